// Runs a libFuzzer-style target (LLVMFuzzerTestOneInput) without libFuzzer, for compilers that do
// not have it (g++): every seed of the corpus directories given as arguments, then deterministic
// mutations of those seeds until a time or run budget is spent. A file given as an argument is run
// once on its own, to reproduce a crash. With clang, the same targets link with -fsanitize=fuzzer
// instead (AEGIS_FUZZ=ON) and this driver is not used.
//
// Environment:
//   AEGIS_FUZZ_SECONDS  time budget for the mutations (default 10)
//   AEGIS_FUZZ_RUNS     mutated inputs at most (default 1000000)
//   AEGIS_FUZZ_SEED     seed of the mutation sequence (default 1): the same seed, corpus and
//                       run count give the same inputs
//
// An input that crashes the target (a signal, an uncaught exception, a failed check) is written
// to ./crash-<target>-<run> before the process dies, so it can be run again and added to the
// corpus once fixed.

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

namespace {

using Bytes = std::vector<uint8_t>;

constexpr std::size_t kMaxInputSize = 64 * 1024;

// What the crash handler writes: the input being run and where to put it. Set before each run,
// read only from the signal handler.
const Bytes *g_current = nullptr;
char g_crashPath[512] = {};

extern "C" void onCrash(int signal) {
    if (g_current != nullptr) {
        const int fd = ::open(g_crashPath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            const ssize_t written = ::write(fd, g_current->data(), g_current->size());
            (void)written;
            ::close(fd);
        }
        static const char message[] = "fuzz_driver: the target crashed; input written to ";
        (void)!::write(STDERR_FILENO, message, sizeof message - 1);
        (void)!::write(STDERR_FILENO, g_crashPath, std::strlen(g_crashPath));
        (void)!::write(STDERR_FILENO, "\n", 1);
    }
    std::signal(signal, SIG_DFL);
    std::raise(signal);
}

long envNumber(const char *name, long fallback) {
    const char *text = std::getenv(name);
    if (text == nullptr || *text == '\0') {
        return fallback;
    }
    char *end = nullptr;
    const long value = std::strtol(text, &end, 10);
    return end != nullptr && *end == '\0' && value >= 0 ? value : fallback;
}

Bytes readFile(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
}

void run(const Bytes &input, const std::string &crashName) {
    std::snprintf(g_crashPath, sizeof g_crashPath, "crash-%s", crashName.c_str());
    g_current = &input;
    LLVMFuzzerTestOneInput(input.data(), input.size());
    g_current = nullptr;
}

// One to eight edits of a seed: bit flips, random and "interesting" bytes, insertions,
// deletions, duplicated ranges and splices with another seed.
Bytes mutate(const std::vector<Bytes> &seeds, std::mt19937_64 &random) {
    const auto pick = [&](std::size_t bound) {
        return bound == 0 ? std::size_t(0) : static_cast<std::size_t>(random() % bound);
    };
    Bytes data = seeds[pick(seeds.size())];
    static const uint8_t interesting[] = {0,   1,   '\n', '\r', '\\', '"',  '\'', ',', ':',
                                          '=', '!', '(',  ')',  '{',  '}',  '[',  ']', '-',
                                          '0', '9', ' ',  0x7f, 0x80, 0xc3, 0xe2, 0xff};
    const std::size_t edits = 1 + pick(8);
    for (std::size_t i = 0; i < edits; ++i) {
        switch (pick(7)) {
        case 0:
            if (!data.empty()) {
                data[pick(data.size())] ^= static_cast<uint8_t>(1u << pick(8));
            }
            break;
        case 1:
            if (!data.empty()) {
                data[pick(data.size())] = static_cast<uint8_t>(random());
            }
            break;
        case 2:
            data.insert(data.begin() + static_cast<std::ptrdiff_t>(pick(data.size() + 1)),
                        interesting[pick(sizeof interesting)]);
            break;
        case 3:
            if (!data.empty()) {
                const std::size_t at = pick(data.size());
                const std::size_t length = 1 + pick(std::min<std::size_t>(16, data.size() - at));
                data.erase(data.begin() + static_cast<std::ptrdiff_t>(at),
                           data.begin() + static_cast<std::ptrdiff_t>(at + length));
            }
            break;
        case 4:
            if (!data.empty()) {
                const std::size_t at = pick(data.size());
                const std::size_t length = 1 + pick(std::min<std::size_t>(64, data.size() - at));
                const Bytes range(data.begin() + static_cast<std::ptrdiff_t>(at),
                                  data.begin() + static_cast<std::ptrdiff_t>(at + length));
                data.insert(data.begin() + static_cast<std::ptrdiff_t>(pick(data.size() + 1)),
                            range.begin(), range.end());
            }
            break;
        case 5: {
            const Bytes &other = seeds[pick(seeds.size())];
            if (!other.empty()) {
                const std::size_t from = pick(other.size());
                const std::size_t length = 1 + pick(other.size() - from);
                data.insert(data.begin() + static_cast<std::ptrdiff_t>(pick(data.size() + 1)),
                            other.begin() + static_cast<std::ptrdiff_t>(from),
                            other.begin() + static_cast<std::ptrdiff_t>(from + length));
            }
            break;
        }
        default:
            // Truncation: parsers meet inputs that end anywhere.
            data.resize(pick(data.size() + 1));
            break;
        }
    }
    if (data.size() > kMaxInputSize) {
        data.resize(kMaxInputSize);
    }
    return data;
}

} // namespace

int main(int argc, char **argv) {
    if (LLVMFuzzerInitialize != nullptr) {
        LLVMFuzzerInitialize(&argc, &argv);
    }
    const std::string target = std::filesystem::path(argv[0]).filename().string();
    for (const int signal : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) {
        std::signal(signal, onCrash);
    }

    std::vector<Bytes> seeds;
    std::size_t reproduced = 0;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path path(argv[i]);
        if (std::filesystem::is_directory(path)) {
            std::vector<std::filesystem::path> files;
            for (const auto &entry : std::filesystem::directory_iterator(path)) {
                if (entry.is_regular_file()) {
                    files.push_back(entry.path());
                }
            }
            // Sorted, so the mutation sequence does not depend on the directory's order.
            std::sort(files.begin(), files.end());
            for (const auto &file : files) {
                seeds.push_back(readFile(file));
                run(seeds.back(), target + "-seed-" + file.filename().string());
            }
        } else if (std::filesystem::is_regular_file(path)) {
            run(readFile(path), target + "-rerun");
            ++reproduced;
        } else {
            std::cerr << target << ": no such corpus directory or input file: " << path << "\n";
            return 2;
        }
    }
    if (seeds.empty()) {
        if (reproduced > 0) {
            std::cout << target << ": ran " << reproduced << " input(s)\n";
            return 0;
        }
        std::cerr << "usage: " << target << " CORPUS_DIR... | INPUT_FILE...\n";
        return 2;
    }

    const long seconds = envNumber("AEGIS_FUZZ_SECONDS", 10);
    const long maxRuns = envNumber("AEGIS_FUZZ_RUNS", 1000000);
    const auto seed = static_cast<std::uint64_t>(envNumber("AEGIS_FUZZ_SEED", 1));
    std::mt19937_64 random(seed);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    long runs = 0;
    while (runs < maxRuns && std::chrono::steady_clock::now() < deadline) {
        const Bytes input = mutate(seeds, random);
        run(input, target + "-seed" + std::to_string(seed) + "-run" + std::to_string(runs));
        ++runs;
    }
    std::cout << target << ": " << seeds.size() << " seeds and " << runs << " mutated inputs (seed "
              << seed << "), no crash\n";
    return 0;
}

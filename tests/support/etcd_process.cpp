#include "etcd_process.h"

#include "loopback_ports.h"

#include "etcd/rpc.grpc.pb.h"

#include <grpcpp/create_channel.h>

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace aegis::testing {
namespace {

using namespace std::chrono_literals;

int spawn(const std::vector<std::string> &argv, const std::filesystem::path &output) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    std::vector<char *> args;
    for (const auto &arg : argv) {
        args.push_back(const_cast<char *>(arg.c_str()));
    }
    args.push_back(nullptr);
    pid_t pid = -1;
    const int error = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    return error == 0 ? pid : -1;
}

} // namespace

std::string etcdVersion(const std::string &binary) {
    // spawn() looks the binary up in PATH, as the benchmark starts it.
    TempDir dir;
    const auto output = dir.path() / "version.txt";
    const int pid = spawn({binary, "--version"}, output);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        return {};
    }
    std::ifstream in(output);
    std::string line;
    std::getline(in, line);
    return line;
}

EtcdProcess::EtcdProcess(const std::string &binary, std::chrono::milliseconds startTimeout) {
    m_version = etcdVersion(binary);
    m_logFile = m_dir.path() / "etcd.log";
    // etcd cannot bind port 0 and report the port it got: ports picked beforehand may be taken
    // by another process first, and then etcd is started again on new ones.
    for (int attempt = 1;; ++attempt) {
        if (launch(binary, startTimeout)) {
            return;
        }
        const std::string log = logTail();
        if (attempt >= kAddressInUseAttempts || !saysAddressInUse(log)) {
            throw std::runtime_error("etcd exited during start-up:\n" + log);
        }
    }
}

bool EtcdProcess::launch(const std::string &binary, std::chrono::milliseconds startTimeout) {
    const auto ports = unusedLoopbackPorts(2);
    // A member's data names its peer URL, so a start on new ports begins afresh.
    std::filesystem::remove_all(m_dir.path() / "data");
    m_clientAddress = "127.0.0.1:" + std::to_string(ports[0]);
    const std::string clientUrl = "http://" + m_clientAddress;
    const std::string peerUrl = "http://127.0.0.1:" + std::to_string(ports[1]);
    m_pid = spawn({binary,
                   "--data-dir",
                   (m_dir.path() / "data").string(),
                   "--name",
                   "default",
                   "--listen-client-urls",
                   clientUrl,
                   "--advertise-client-urls",
                   clientUrl,
                   "--listen-peer-urls",
                   peerUrl,
                   "--initial-advertise-peer-urls",
                   peerUrl,
                   "--initial-cluster",
                   "default=" + peerUrl,
                   "--logger",
                   "zap",
                   "--log-outputs",
                   "stderr",
                   "--log-level",
                   "warn"},
                  m_logFile);
    if (m_pid < 0) {
        throw std::runtime_error("could not start " + binary + " (is etcd-server installed?)");
    }

    // Ready when a Put succeeds; each attempt has a short deadline of its own.
    auto channel = grpc::CreateChannel(m_clientAddress, grpc::InsecureChannelCredentials());
    auto kv = etcdserverpb::KV::NewStub(channel);
    const auto deadline = std::chrono::steady_clock::now() + startTimeout;
    for (;;) {
        int status = 0;
        if (waitpid(m_pid, &status, WNOHANG) == m_pid) {
            m_pid = -1;
            return false;
        }
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + 1s);
        etcdserverpb::PutRequest request;
        request.set_key("/etcd-process/ready");
        request.set_value("1");
        etcdserverpb::PutResponse response;
        if (kv->Put(&context, request, &response).ok()) {
            return true;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            stop(5s);
            throw std::runtime_error("etcd did not answer in time:\n" + logTail());
        }
        std::this_thread::sleep_for(100ms);
    }
}

EtcdProcess::~EtcdProcess() {
    if (m_pid > 0) {
        stop(5s);
    }
}

int EtcdProcess::stop(std::chrono::milliseconds timeout) {
    if (m_pid <= 0) {
        return -1;
    }
    kill(m_pid, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    for (;;) {
        if (waitpid(m_pid, &status, WNOHANG) == m_pid) {
            break;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            kill(m_pid, SIGKILL);
            waitpid(m_pid, &status, 0);
            m_pid = -1;
            return -1;
        }
        std::this_thread::sleep_for(20ms);
    }
    m_pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string EtcdProcess::logTail() const {
    std::ifstream in(m_logFile);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.size() > 4000 ? text.substr(text.size() - 4000) : text;
}

} // namespace aegis::testing

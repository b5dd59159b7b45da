#include "exposition/process_metrics.h"

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace aegis::exposition {
namespace {

prometheus::MetricFamily family(const std::string &name, const std::string &help,
                                prometheus::MetricType type, double value) {
    prometheus::ClientMetric metric;
    if (type == prometheus::MetricType::Counter) {
        metric.counter.value = value;
    } else {
        metric.gauge.value = value;
    }
    return prometheus::MetricFamily{name, help, type, {metric}};
}

double bootTimeSeconds() {
    std::ifstream stat("/proc/stat");
    std::string line;
    while (std::getline(stat, line)) {
        if (line.rfind("btime ", 0) == 0) {
            return std::stod(line.substr(6));
        }
    }
    return 0;
}

std::size_t openFileDescriptors() {
    std::size_t count = 0;
    if (DIR *dir = opendir("/proc/self/fd")) {
        while (const dirent *entry = readdir(dir)) {
            if (entry->d_name[0] != '.') {
                ++count;
            }
        }
        closedir(dir);
    }
    return count > 0 ? count - 1 : 0; // minus the descriptor of the listing itself
}

} // namespace

std::vector<prometheus::MetricFamily> ProcessMetrics::Collect() const {
    std::ifstream statFile("/proc/self/stat");
    std::string stat((std::istreambuf_iterator<char>(statFile)), std::istreambuf_iterator<char>());
    // Fields after the command name, which is in parentheses and may contain spaces.
    const auto close = stat.rfind(')');
    std::istringstream fields(close == std::string::npos ? std::string() : stat.substr(close + 2));
    std::vector<std::string> values;
    for (std::string value; fields >> value;) {
        values.push_back(value);
    }
    // Indices are field numbers from proc(5) minus 3.
    const auto field = [&](std::size_t number) {
        return number - 3 < values.size() ? std::stod(values[number - 3]) : 0.0;
    };
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const double pageSize = static_cast<double>(sysconf(_SC_PAGESIZE));

    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);

    using prometheus::MetricType;
    return {
        family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
               MetricType::Counter, (field(14) + field(15)) / ticks),
        family("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::Gauge,
               field(24) * pageSize),
        family("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge,
               field(23)),
        family("process_start_time_seconds",
               "Start time of the process since unix epoch in seconds.", MetricType::Gauge,
               bootTimeSeconds() + field(22) / ticks),
        family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge,
               static_cast<double>(openFileDescriptors())),
        family("process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge,
               static_cast<double>(limit.rlim_cur)),
        family("process_threads", "Number of OS threads in the process.", MetricType::Gauge,
               field(20)),
    };
}

} // namespace aegis::exposition

#pragma once

// What the console tests that run against a real aegisd share: where their artifacts go, the
// daemon started with a config file, and the admin's connection to it.

#include "net/connection_types.h"

#include <daemon_process.h>

#include <QCoreApplication>
#include <QDir>
#include <QString>

#include <fstream>
#include <memory>
#include <string>

namespace aegis::testing {

// Where a test writes a screenshot or another artifact: next to its executable
// (build/tests/console).
inline QString artifact(const QString &name) {
    return QDir(QCoreApplication::applicationDirPath()).filePath(name);
}

// Starts aegisd with `configYaml` as its --config file, written into `configDir` (which must
// outlive the daemon).
inline StatusOr<std::unique_ptr<DaemonProcess>>
startDaemonWithConfig(const TempDir &configDir, const std::string &configYaml) {
    const auto config = configDir.path() / "aegisd.yaml";
    std::ofstream(config) << configYaml;
    DaemonOptions options;
    options.extraArgs = {"--config", config.string()};
    return DaemonProcess::start(options);
}

// The console's connection to `daemon` as its admin (through the admin token file).
inline console::ConnectionSettings adminSettings(const DaemonProcess &daemon) {
    console::ConnectionSettings settings;
    settings.address = QString::fromStdString(daemon.grpcAddress());
    settings.tokenFile = QString::fromStdString(daemon.adminTokenFile().string());
    return settings;
}

} // namespace aegis::testing

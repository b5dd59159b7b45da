#include "net/connection_types.h"

#include <QCoreApplication>

namespace aegis::console {
client::ConnectionOptions ConnectionSettings::toOptions() const {
    client::ConnectionOptions options;
    options.address = address.toStdString();
    options.token = token.toStdString();
    options.tokenFile = tokenFile.toStdString();
    options.caFile = caFile.toStdString();
    options.certFile = certFile.toStdString();
    options.keyFile = keyFile.toStdString();
    options.tlsServerName = tlsServerName.toStdString();
    return options;
}

QString CallError::codeName() const {
    static const char *const names[] = {"OK",
                                        "CANCELLED",
                                        "UNKNOWN",
                                        "INVALID_ARGUMENT",
                                        "DEADLINE_EXCEEDED",
                                        "NOT_FOUND",
                                        "ALREADY_EXISTS",
                                        "PERMISSION_DENIED",
                                        "RESOURCE_EXHAUSTED",
                                        "FAILED_PRECONDITION",
                                        "ABORTED",
                                        "OUT_OF_RANGE",
                                        "UNIMPLEMENTED",
                                        "INTERNAL",
                                        "UNAVAILABLE",
                                        "DATA_LOSS",
                                        "UNAUTHENTICATED"};
    if (code >= 0 && code < static_cast<int>(std::size(names))) {
        return QString::fromLatin1(names[code]);
    }
    return QStringLiteral("CODE_%1").arg(code);
}

bool CallError::isUnreachable() const {
    return code == 14 /* UNAVAILABLE */ || code == 4 /* DEADLINE_EXCEEDED */;
}

QString CallError::describe() const {
    QString text = message.trimmed();
    // gRPC's connection errors are long chains; the last clause is the useful one.
    const qsizetype refused = text.indexOf(QLatin1String("Connection refused"));
    if (refused >= 0) {
        text = QCoreApplication::translate("CallError", "connection refused");
    } else if (code == 4) {
        text = QCoreApplication::translate("CallError", "no answer before the deadline");
    } else if (text.size() > 160) {
        text = text.left(157) + QStringLiteral("…");
    }
    if (code == 16) {
        return QCoreApplication::translate("CallError", "token rejected (%1)").arg(text);
    }
    if (code == 7) {
        return QCoreApplication::translate("CallError", "permission denied (%1)").arg(text);
    }
    return text.isEmpty() ? codeName() : text;
}

QList<ExtensionDescription> ExtensionCatalog::ofKind(ExtensionKind kind) const {
    QList<ExtensionDescription> found;
    for (const ExtensionDescription &extension : extensions) {
        if (extension.kind == kind) {
            found.append(extension);
        }
    }
    return found;
}

const ExtensionDescription *ExtensionCatalog::find(ExtensionKind kind, const QString &name) const {
    const std::string wanted = name.toStdString();
    for (const ExtensionDescription &extension : extensions) {
        if (extension.kind == kind && extension.name == wanted) {
            return &extension;
        }
    }
    return nullptr;
}

} // namespace aegis::console

#include "net/config_types.h"

#include <QCoreApplication>

namespace aegis::console {
QString ConfigGrayRelease::targetDescription() const {
    if (!selector.isEmpty()) {
        return QCoreApplication::translate("ConfigGrayRelease", "selector %1").arg(selector);
    }
    if (percent > 0) {
        return QCoreApplication::translate("ConfigGrayRelease", "%1 % of instances").arg(percent);
    }
    // The count apart: lupdate does not see a message whose arguments hold a template.
    const int count = static_cast<int>(instanceIds.size());
    return QCoreApplication::translate("ConfigGrayRelease", "%n instance(s): %1", nullptr, count)
        .arg(instanceIds.join(QStringLiteral(", ")));
}

} // namespace aegis::console

#include "app/screenshot_dialogs.h"

#include "app/main_window.h"
#include "models/config_tree_model.h"
#include "models/service_summary_model.h"
#include "views/alerts_page.h"
#include "views/code_editor.h"
#include "views/config_page.h"
#include "views/config_publish_dialog.h"
#include "views/health_check_dialog.h"
#include "views/new_release_dialog.h"
#include "views/releases_page.h"
#include "views/services_page.h"
#include "views/silence_dialog.h"

#include <QTableView>
#include <QWidget>

namespace aegis::console {
namespace {

// The first key of the tree whose format is `format`, else the first key; invalid when empty.
ConfigItemRef firstKey(const ConfigTreeModel &tree, ConfigFormat format) {
    ConfigItemRef first;
    std::function<ConfigItemRef(const QModelIndex &)> visit = [&](const QModelIndex &parent) {
        for (int row = 0; row < tree.rowCount(parent); ++row) {
            const QModelIndex index = tree.index(row, 0, parent);
            if (const ConfigItem *item = tree.itemAt(index)) {
                if (!first.isValid()) {
                    first = item->ref;
                }
                if (item->format == format) {
                    return item->ref;
                }
            }
            const ConfigItemRef found = visit(index);
            if (found.isValid()) {
                return found;
            }
        }
        return ConfigItemRef{};
    };
    const ConfigItemRef found = visit({});
    return found.isValid() ? found : first;
}

// Review and publish of a one-character edit (the first digit, counted up) of the first JSON
// item, so the dialog shows the characters a change marks within its line.
QWidget *openConfigReview(MainWindow &window) {
    ConfigPage *page = window.configPage();
    const ConfigItemRef target = firstKey(*page->tree(), ConfigFormat::Json);
    if (!target.isValid()) {
        return nullptr;
    }
    if (!page->openItem() || !(page->openItem()->ref == target)) {
        page->selectItem(target);
        return nullptr;
    }
    if (!page->isDirty()) {
        QString text = page->editor()->toPlainText();
        for (QChar &c : text) {
            if (c.isDigit()) {
                c = QChar(u'0' + (c.digitValue() + 1) % 10);
                break;
            }
        }
        page->editor()->setPlainText(text);
    }
    return page->openReview();
}

// The health check editor of the first service.
QWidget *openHealthCheck(MainWindow &window) {
    ServicesPage *page = window.servicesPage();
    const QAbstractItemModel *services = page->services();
    for (int row = 0; row < services->rowCount(); ++row) {
        const QString service =
            services->index(row, 0).data(ServiceSummaryModel::ServiceNameRole).toString();
        if (!service.isEmpty() && page->selectService(service)) {
            return page->openHealthCheckEditor();
        }
    }
    return nullptr;
}

QWidget *openNewRelease(MainWindow &window) {
    return window.releasesPage()->openNewRelease();
}

QWidget *openNewSilence(MainWindow &window) {
    return window.alertsPage()->openSilenceDialog({});
}

} // namespace

const QList<ScreenshotDialog> &screenshotDialogs() {
    // One line per dialog; keep them by page, in the navigation's order.
    static const QList<ScreenshotDialog> dialogs = {
        {QStringLiteral("services"), QStringLiteral("health-check"),
         QStringLiteral("the health check editor of the first service"), openHealthCheck},
        {QStringLiteral("releases"), QStringLiteral("new-release"),
         QStringLiteral("the New release dialog"), openNewRelease},
        {QStringLiteral("alerts"), QStringLiteral("new-silence"),
         QStringLiteral("the silence dialog, empty"), openNewSilence},
        {QStringLiteral("config"), QStringLiteral("review"),
         QStringLiteral("Review and publish of a one-character edit of the first JSON item"),
         openConfigReview},
    };
    return dialogs;
}

const ScreenshotDialog *findScreenshotDialog(const QString &key) {
    for (const ScreenshotDialog &dialog : screenshotDialogs()) {
        if (dialog.key() == key) {
            return &dialog;
        }
    }
    return nullptr;
}

} // namespace aegis::console

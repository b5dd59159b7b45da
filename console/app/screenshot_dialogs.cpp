#include "app/screenshot_dialogs.h"

#include "app/main_window.h"
#include "models/config_tree_model.h"
#include "models/rollout_confirmation.h"
#include "models/service_summary_model.h"
#include "views/action_confirm_dialog.h"
#include "views/alerts_page.h"
#include "views/code_editor.h"
#include "views/config_page.h"
#include "views/config_proposals_dialog.h"
#include "views/config_publish_dialog.h"
#include "views/deployment_log_view.h"
#include "views/health_check_dialog.h"
#include "views/new_release_dialog.h"
#include "views/releases_page.h"
#include "views/services_page.h"
#include "views/silence_dialog.h"

#include <QPushButton>
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

// The confirmation of `action` on the rollout the Releases page shows, as it asks before acting.
QWidget *openRolloutConfirmation(MainWindow &window, RolloutAction action) {
    ReleasesPage *page = window.releasesPage();
    if (!page->shownRollout()) {
        return nullptr;
    }
    auto *dialog =
        new ActionConfirmDialog(rolloutConfirmation(action, *page->shownRollout()), page);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
    return dialog;
}

// The logs of the selected service's deployed instances, opened with the page's Logs… button.
QWidget *openDeploymentLogs(MainWindow &window) {
    ReleasesPage *page = window.releasesPage();
    if (auto *open = page->findChild<DeploymentLogDialog *>()) {
        return open;
    }
    if (auto *button = page->findChild<QPushButton *>(QStringLiteral("deploymentLogs"))) {
        button->click();
    }
    return page->findChild<DeploymentLogDialog *>();
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
        {QStringLiteral("releases"), QStringLiteral("promote"),
         QStringLiteral("the confirmation of Promote for the rollout shown"),
         [](MainWindow &window) {
             return openRolloutConfirmation(window, RolloutAction::Promote);
         }},
        {QStringLiteral("releases"), QStringLiteral("abort"),
         QStringLiteral("the confirmation of Abort for the rollout shown"),
         [](MainWindow &window) { return openRolloutConfirmation(window, RolloutAction::Abort); }},
        {QStringLiteral("releases"), QStringLiteral("logs"),
         QStringLiteral("the logs of the selected service's deployed instances"),
         openDeploymentLogs},
        {QStringLiteral("alerts"), QStringLiteral("new-silence"),
         QStringLiteral("the silence dialog, empty"), openNewSilence},
        {QStringLiteral("config"), QStringLiteral("review"),
         QStringLiteral("Review and publish of a one-character edit of the first JSON item"),
         openConfigReview},
        {QStringLiteral("config"), QStringLiteral("proposals"),
         QStringLiteral("the proposals awaiting approval, with Approve and Reject"),
         [](MainWindow &window) -> QWidget * { return window.configPage()->openProposals(); }},
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

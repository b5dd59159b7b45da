#pragma once

#include <QList>
#include <QString>

#include <functional>

class QWidget;

namespace aegis::console {

class MainWindow;

// A dialog that `aegis-console --page PAGE/NAME --screenshot FILE` (and the screenshot test) can
// open once PAGE has its data, so documentation and tests show every dialog as operators see it.
// Each dialog is one entry in screenshot_dialogs.cpp; a page that gains a dialog adds its line
// there.
struct ScreenshotDialog {
    // The page it opens from ("config") and its own name ("review").
    QString page;
    QString name;
    QString description;
    // Called on the GUI thread every 100 ms, with the page shown and loaded, until it returns the
    // open dialog: it may first start what the dialog needs (select an item, wait for it to load)
    // and return nullptr meanwhile. The dialog is opened as the page opens it (non-modal, deleted
    // on close).
    std::function<QWidget *(MainWindow &window)> open;

    QString key() const { return page + QLatin1Char('/') + name; }
};

// Every dialog that can be opened for a screenshot, by page.
const QList<ScreenshotDialog> &screenshotDialogs();
// The entry for "page/name"; nullptr when there is none.
const ScreenshotDialog *findScreenshotDialog(const QString &key);

} // namespace aegis::console

#pragma once

#include <QWidget>

class QHBoxLayout;
class QLabel;

namespace aegis::console {

// The title row of a page: a title, a one-line subtitle and, on the right, the page's actions.
class PageHeader final : public QWidget {
    Q_OBJECT
public:
    PageHeader(const QString &title, const QString &subtitle, QWidget *parent = nullptr);

    void setSubtitle(const QString &subtitle);
    // Adds a widget to the right-hand side; the header takes ownership.
    void addTrailingWidget(QWidget *widget);

private:
    QLabel *m_subtitle;
    QHBoxLayout *m_trailing;
};

} // namespace aegis::console

#pragma once

#include <QColor>
#include <QFrame>
#include <QList>
#include <QString>

class QLabel;
class QStackedLayout;
class QVBoxLayout;

namespace aegis::console {

// The card that shows one selected item in full: a title with a coloured status beside it above
// two columns of named, selectable values; a hint while nothing is selected. Subclasses name the
// fields once, in the constructor, and fill them in by index.
class DetailPane : public QFrame {
    Q_OBJECT
public:
    enum class Column { Left, Right };
    struct Field {
        QString name;
        Column column;
    };

protected:
    // Fields are indexed in the order given; each column lists its fields in that order.
    DetailPane(const QString &hint, const QList<Field> &fields, QWidget *parent);

    void showHint();
    // Shows the fields, headed by `title` and `status` (plain text) in `statusTone`.
    void showDetails(const QString &title, const QString &status, const QColor &statusTone);
    QLabel *value(int field) const { return m_values.at(field); }
    // The status beside the title, as shown (rich text).
    QString statusText() const;
    // Adds `widget` below the fields, shown with them; the pane takes ownership.
    void addSection(QWidget *widget);

private:
    QVBoxLayout *m_detailsLayout;
    QStackedLayout *m_stack;
    QLabel *m_title;
    QLabel *m_status;
    QList<QLabel *> m_values;
};

} // namespace aegis::console

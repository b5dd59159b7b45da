#pragma once

#include "models/trace_search_form.h"
#include "views/completing_editor.h"

#include <QHash>

namespace aegis::console {

// The Traces page's tag query box: a short wrapping editor that completes attribute keys (and
// the fields every span has) and, after an operator, the key's values from lists the page
// supplies (valuesWanted asks for a key's values the first time they are needed); Enter runs the
// search. Each change is checked with the daemon's own parser: where the query stops parsing is
// underlined and errorChanged says why, so a query is fixed before it is sent.
class TagQueryEditor final : public CompletingEditor {
    Q_OBJECT
public:
    explicit TagQueryEditor(QWidget *parent = nullptr);

    QString query() const { return toPlainText(); }
    void setQuery(const QString &query);

    void setKeys(const QStringList &keys);
    void setValues(const QString &key, const QStringList &values);
    bool hasValues(const QString &key) const { return m_values.contains(key); }
    void clearValues() { m_values.clear(); }

    // The check of the text as it stands. An error the daemon reported (markError) is replaced
    // by this check's at the next edit.
    const TagQueryCheck &check() const { return m_check; }

    QStringList currentCandidates() const override;

    QSize sizeHint() const override;

signals:
    void runRequested();
    void valuesWanted(const QString &key);
    // The local check's message ("1:14: ..."), empty when the query parses.
    void errorChanged(const QString &message);

protected:
    void keyPressEvent(QKeyEvent *event) override;
    void aboutToComplete() override;
    void insertCompletion(const QString &completion) override;

private:
    void recheck();

    QStringList m_keys;
    QHash<QString, QStringList> m_values;
    TagQueryCheck m_check;
};

} // namespace aegis::console

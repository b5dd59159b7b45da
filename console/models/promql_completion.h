#pragma once

#include <QString>
#include <QStringList>

#include <optional>

namespace aegis::console {

// What a PromQL editor can offer at the cursor.
struct PromqlCompletionContext {
    enum class Kind { None, MetricName, LabelName, LabelValue };
    Kind kind = Kind::None;
    // What is typed of the word so far (without the opening quote of a value).
    QString prefix;
    // The label whose value is typed (LabelValue only).
    QString labelName;
    // Where the typed word starts in the text.
    int start = 0;

    friend bool operator==(const PromqlCompletionContext &,
                           const PromqlCompletionContext &) = default;
};

// The completion context at `cursor` (a character offset) in `text`: inside braces a label name,
// after `name="` (or =~, !=, !~) its value, elsewhere a metric name; nothing inside a string
// outside braces, a number or a range ([5m]).
PromqlCompletionContext promqlCompletionAt(const QString &text, int cursor);

// The candidates of `all` that start with `prefix` (case-sensitive, as PromQL is), sorted, at
// most `limit`.
QStringList completionCandidates(const QStringList &all, const QString &prefix, int limit = 200);

// The character offset in `text` of a "LINE:COLUMN" position (1-based, as the daemon names it in
// the trailer aegis-query-position); nothing when it does not parse or lies outside the text.
std::optional<int> positionOffset(const QString &text, const QString &position);

} // namespace aegis::console

#pragma once

#include "net/trace_types.h"

#include <QDateTime>
#include <QString>

#include <optional>

namespace aegis::console {

// What the Traces page's search form reads and writes: durations as people type them, the tag
// query's values, the time windows it offers, and the search another page jumps to.

// A duration typed in the form: a number with a unit ("250ms", "1.5s", "2m", "800us", "1h"; a
// bare number is milliseconds). nullopt when it does not parse; -1 (no bound) for blank text.
std::optional<qint64> parseDurationNanos(const QString &text);
// A span or trace duration in the unit that suits it: "850 ns", "12.5 ms", "1.45 s", "2 min 5 s".
QString formatDurationNanos(qint64 nanos);

// `value` as a tag query value: bare when it is a plain word (green, checkout), else quoted with
// '"' and '\' escaped (a version "1.4.2", anything with spaces). A '*' is escaped too, so the
// value is matched literally.
QString tagQueryValue(const QString &value);
// `key = value` terms joined by AND, skipping empty values: colour = green AND version = "1.4.2".
QString tagQueryConjunction(const QList<QPair<QString, QString>> &terms);

// The windows the form's time box offers, and the one a search without a choice uses.
struct TraceTimeWindow {
    QString label;
    qint64 durationMs = 0;
};
QList<TraceTimeWindow> traceTimeWindows();
inline constexpr qint64 kDefaultTraceWindowMs = 3600 * 1000;

// The search a "Traces" jump from the Metrics or Releases page opens: `service`'s traces between
// `start` and `end` (invalid: the last hour), narrowed by the tag query to a release's colour
// and version when they are given.
TraceSearch traceJumpSearch(const QString &service, const QString &colour, const QString &version,
                            const QDateTime &start, const QDateTime &end);

// Where a tag query does not parse (the daemon's own parser, tracing::TagQuery): the 0-based
// character offset and the message. `ok` for a query that parses, including the empty one.
struct TagQueryCheck {
    bool ok = true;
    int offset = 0;
    // "1:14: expected a value after '='".
    QString message;
};
TagQueryCheck checkTagQuery(const QString &text);

// What a tag query editor can offer at the cursor.
struct TagQueryCompletionContext {
    enum class Kind { None, Key, Value };
    Kind kind = Kind::None;
    // What is typed of the word so far (inside quotes: without the opening quote).
    QString prefix;
    // The key whose value is typed (Value only).
    QString key;
    // Where the typed word starts in the text (after an opening quote).
    int start = 0;
    // Whether the word is inside a quoted string.
    bool quoted = false;

    friend bool operator==(const TagQueryCompletionContext &,
                           const TagQueryCompletionContext &) = default;
};
// The completion context at `cursor` in `text`: after a comparison operator the value of the key
// before it, elsewhere a key (nothing inside a number).
TagQueryCompletionContext tagQueryCompletionAt(const QString &text, int cursor);
// The keys every span answers besides its attributes: error, service, operation, version,
// colour, kind.
QStringList tagQueryFieldKeys();

} // namespace aegis::console

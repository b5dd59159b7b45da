#pragma once

#include "net/api_types.h"
#include "net/audit_api.h"
#include "net/call_scope.h"
#include "net/watch.h"

#include <QTimer>
#include <QWidget>

class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;

namespace aegis::console {

class AuditDetailPane;
class AuditFilterModel;
class AuditRecordModel;
class PageSkeleton;
class Session;

// The audit log: a filtered, paged table of audit records that grows live at the top as the
// daemon writes records, plus a detail pane for the selected one. Lists the first page, then
// watches from that page's revision + 1 so nothing falls between the two; "Load more" appends
// older pages. After a compaction (the watch reports it fell behind) the first page is listed
// again and merged in at the top.
class AuditPage final : public QWidget {
    Q_OBJECT
public:
    explicit AuditPage(Session *session, QWidget *parent = nullptr);

    bool hasData() const { return m_loaded; }
    // Whether the watch is streaming.
    bool isWatchLive() const;
    AuditRecordModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    bool canLoadMore() const { return !m_nextPageToken.isEmpty(); }

    // Lists again with the filters as they stand.
    void reload();
    void loadMore();
    void setQuery(const AuditQuery &query);
    AuditQuery query() const { return m_query; }

signals:
    // The first page arrived after a (re)load.
    void dataLoaded();

private:
    enum class ListMode { First, More, Resync };

    void buildFilterBar(QWidget *bar);
    AuditQuery queryFromFilters() const;
    void applyFilters();
    void clearFilters();
    void requestPage(ListMode mode);
    void onPage(ListMode mode, const AuditRecordPage &page);
    void onPageFailed(const CallError &error);
    void watchFrom(qint64 revision);
    void stopWatch();
    void onLiveRecords(const QList<AuditEntry> &records);
    void updateFooter();
    void showSelection();

    Session *m_session; // Not owned.
    AuditApi m_audit;
    AuditRecordModel *m_model;
    AuditFilterModel *m_proxy;
    PageSkeleton *m_skeleton;
    QPushButton *m_refresh;
    QLineEdit *m_actor;
    QLineEdit *m_method;
    QLineEdit *m_resource;
    QComboBox *m_outcome;
    QComboBox *m_range;
    QDateTimeEdit *m_from;
    QDateTimeEdit *m_to;
    QLineEdit *m_search;
    QTableView *m_table;
    AuditDetailPane *m_detail;
    QPushButton *m_loadMore;
    QTimer m_filterDebounce;
    QTimer m_clock;

    AuditQuery m_query;
    QString m_nextPageToken;
    // The page being listed; a new list drops the answer of the one before.
    CallScope m_list;
    std::optional<ListMode> m_listing;
    WatchPtr m_watch;
    QString m_lastError;
    bool m_loaded = false;
};

} // namespace aegis::console

#include "views/deployment_log_view.h"

#include "models/log_lines_model.h"
#include "net/rollout_api.h"
#include "net/session.h"
#include "views/theme.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QLocale>
#include <QPainter>
#include <QStyledItemDelegate>
#include <QToolButton>
#include <QVBoxLayout>

namespace aegis::console {
namespace {

// A log line in the view's monospace font, every occurrence of the search text on a highlight and
// the current match's row marked.
class LogLineDelegate final : public QStyledItemDelegate {
public:
    LogLineDelegate(const LogLinesModel *model, QObject *parent)
        : QStyledItemDelegate(parent)
        , m_model(model) {}

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override {
        const ThemeColors colors = themeColors(option.palette);
        const QString text = index.data().toString();
        painter->save();
        const bool selected = option.state & QStyle::State_Selected;
        const bool current = index.data(LogLinesModel::CurrentMatchRole).toBool();
        if (selected) {
            painter->fillRect(option.rect, option.palette.color(QPalette::Highlight));
        } else if (current) {
            QColor row = colors.accent;
            row.setAlpha(45);
            painter->fillRect(option.rect, row);
        }
        const QFontMetrics metrics(option.font);
        const QRect textRect = option.rect.adjusted(6, 0, -6, 0);
        const QString search = m_model->search();
        if (!search.isEmpty() && index.data(LogLinesModel::MatchRole).toBool()) {
            QColor mark = colors.warning;
            // The current match stands out from the others.
            mark.setAlpha(current ? 230 : 110);
            for (qsizetype at = text.indexOf(search, 0, Qt::CaseInsensitive); at >= 0;
                 at = text.indexOf(search, at + search.size(), Qt::CaseInsensitive)) {
                const int x = textRect.left() + metrics.horizontalAdvance(text.left(at));
                const int width = metrics.horizontalAdvance(text.mid(at, search.size()));
                painter->fillRect(QRect(x, option.rect.top() + 1, width, option.rect.height() - 2),
                                  mark);
            }
        }
        painter->setPen(
            option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text));
        painter->setFont(option.font);
        painter->drawText(
            textRect, Qt::AlignVCenter | Qt::AlignLeft | Qt::TextSingleLine | Qt::TextExpandTabs,
            text);
        painter->restore();
    }

    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override {
        const QFontMetrics metrics(option.font);
        return {metrics.horizontalAdvance(index.data().toString()) + 12, metrics.height() + 2};
    }

private:
    const LogLinesModel *m_model; // Not owned.
};

} // namespace

DeploymentLogView::DeploymentLogView(Session *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_model(new LogLinesModel(this))
    , m_search(new QLineEdit)
    , m_previous(new QToolButton)
    , m_next(new QToolButton)
    , m_matches(new QLabel)
    , m_follow(new QCheckBox(tr("Follow")))
    , m_status(new QLabel)
    , m_list(new QListView) {
    m_search->setPlaceholderText(tr("Search the log"));
    m_search->setClearButtonEnabled(true);
    m_search->setObjectName(QStringLiteral("logSearch"));
    m_previous->setText(tr("Previous"));
    m_previous->setToolTip(tr("Previous match (Shift+Enter)"));
    m_next->setText(tr("Next"));
    m_next->setToolTip(tr("Next match (Enter)"));
    m_follow->setChecked(true);
    m_follow->setToolTip(tr("Stream new lines as the instance writes them and keep the newest in "
                            "sight; off, the log stays as it is"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_list->setFont(mono);
    m_list->setModel(m_model);
    m_list->setItemDelegate(new LogLineDelegate(m_model, m_list));
    m_list->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_list->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_list->setVerticalScrollMode(QAbstractItemView::ScrollPerItem);
    m_list->setUniformItemSizes(false);
    m_list->setWordWrap(false);
    m_list->setObjectName(QStringLiteral("logLines"));

    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(0, 0, 0, 0);
    bar->addWidget(m_search, 1);
    bar->addWidget(m_previous);
    bar->addWidget(m_next);
    bar->addWidget(m_matches);
    bar->addSpacing(12);
    bar->addWidget(m_follow);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(6);
    layout->addLayout(bar);
    layout->addWidget(m_list, 1);
    layout->addWidget(m_status);

    connect(m_search, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_model->setSearch(text);
        showMatch(m_model->currentMatchRow());
    });
    m_search->installEventFilter(this);
    connect(m_next, &QToolButton::clicked, this, [this] { showMatch(m_model->nextMatch()); });
    connect(m_previous, &QToolButton::clicked, this,
            [this] { showMatch(m_model->previousMatch()); });
    connect(m_model, &LogLinesModel::matchesChanged, this, &DeploymentLogView::updateMatchLabel);
    connect(m_follow, &QCheckBox::toggled, this, [this](bool on) {
        if (on) {
            start();
        } else {
            stop();
            setStatus(tr("Not following: %n line(s) shown", nullptr, m_model->rowCount()));
        }
    });
    updateMatchLabel();
    setStatus(tr("No instance selected"));
}

DeploymentLogView::~DeploymentLogView() = default;

void DeploymentLogView::setInstance(const QString &service, const QString &instanceId) {
    if (service == m_service && instanceId == m_instanceId) {
        return;
    }
    stop();
    m_service = service;
    m_instanceId = instanceId;
    m_model->clear();
    if (m_instanceId.isEmpty()) {
        setStatus(tr("No instance selected"));
        return;
    }
    setStatus(tr("Loading the log of %1…").arg(m_instanceId));
    if (isVisible() && m_follow->isChecked()) {
        start();
    }
}

bool DeploymentLogView::eventFilter(QObject *watched, QEvent *event) {
    // Enter steps to the next match, Shift+Enter to the previous one.
    if (watched == m_search && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) {
            showMatch(key->modifiers() & Qt::ShiftModifier ? m_model->previousMatch()
                                                           : m_model->nextMatch());
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void DeploymentLogView::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    if (!m_watch && m_follow->isChecked() && !m_instanceId.isEmpty()) {
        start();
    }
}

void DeploymentLogView::hideEvent(QHideEvent *event) {
    QWidget::hideEvent(event);
    stop();
}

void DeploymentLogView::start() {
    if (m_instanceId.isEmpty() || m_session == nullptr) {
        return;
    }
    stop();
    DeploymentLogCallbacks callbacks;
    callbacks.onEvents = [this](const QStringList &lines, bool replace, bool reset) {
        if (replace) {
            m_model->setLines(lines);
        } else {
            m_model->appendLines(lines);
        }
        if (reset) {
            setStatus(tr("The log was truncated or replaced; showing it from its new start"));
        }
        if (m_follow->isChecked()) {
            m_list->scrollToBottom();
        }
    };
    callbacks.onLive = [this](bool live, const QString &reason) {
        setStatus(live ? tr("Following %1 (the newest %2 lines are kept)")
                             .arg(m_instanceId)
                             .arg(m_model->maxLines())
                       : tr("Not following %1: %2").arg(m_instanceId, reason));
    };
    m_watch = RolloutApi(m_session).followDeploymentLogs(m_service, m_instanceId, kTailLines, {},
                                                         this, std::move(callbacks));
}

void DeploymentLogView::stop() {
    m_watch.reset();
}

void DeploymentLogView::showMatch(int row) {
    if (row < 0) {
        return;
    }
    const QModelIndex index = m_model->index(row);
    m_list->scrollTo(index, QAbstractItemView::PositionAtCenter);
    m_list->setCurrentIndex(index);
    // Reading a match stops following, or the newest line would pull the view away from it.
    if (m_follow->isChecked() && row < m_model->rowCount() - 1) {
        m_follow->setChecked(false);
    }
}

void DeploymentLogView::updateMatchLabel() {
    const bool any = m_model->matchCount() > 0;
    m_previous->setEnabled(any);
    m_next->setEnabled(any);
    if (m_model->search().isEmpty()) {
        m_matches->clear();
    } else if (!any) {
        m_matches->setText(tr("no match"));
    } else {
        m_matches->setText(tr("%1 of %2")
                               .arg(QLocale().toString(m_model->currentMatchIndex() + 1),
                                    QLocale().toString(m_model->matchCount())));
    }
}

void DeploymentLogView::setStatus(const QString &text) {
    m_status->setText(text);
}

QString DeploymentLogView::matchText() const {
    return m_matches->text();
}

QString DeploymentLogView::statusText() const {
    return m_status->text();
}

DeploymentLogDialog::DeploymentLogDialog(Session *session, const QString &service,
                                         const QStringList &instanceIds, QWidget *parent)
    : QDialog(parent)
    , m_picker(new QComboBox)
    , m_view(new DeploymentLogView(session)) {
    setWindowTitle(tr("Logs of %1").arg(service));
    m_picker->addItems(instanceIds);
    auto *pickRow = new QHBoxLayout;
    pickRow->addWidget(new QLabel(tr("Instance")));
    pickRow->addWidget(m_picker, 1);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(pickRow);
    layout->addWidget(m_view, 1);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_picker, &QComboBox::currentTextChanged, this,
            [this, service](const QString &id) { m_view->setInstance(service, id); });
    m_view->setInstance(service, instanceIds.value(0));
    resize(1000, 640);
}

} // namespace aegis::console

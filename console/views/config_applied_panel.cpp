#include "views/config_applied_panel.h"

#include "models/applied_status_model.h"
#include "net/session.h"
#include "views/theme.h"

#include <QHeaderView>
#include <QLabel>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>

namespace aegis::console {
namespace {

// The state column in the theme's tone for it.
class AppliedStateDelegate final : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override {
        QStyledItemDelegate::initStyleOption(option, index);
        if (index.column() != AppliedStatusModel::StateColumn) {
            return;
        }
        const ThemeColors colors = themeColors(option->palette);
        QColor tone;
        switch (static_cast<AppliedStatusModel::State>(
            index.data(AppliedStatusModel::StateRole).toInt())) {
        case AppliedStatusModel::State::Current:
            tone = colors.success;
            break;
        case AppliedStatusModel::State::Gray:
            tone = colors.attention;
            break;
        case AppliedStatusModel::State::Behind:
            tone = colors.warning;
            break;
        case AppliedStatusModel::State::Failed:
            tone = colors.danger;
            break;
        }
        option->palette.setColor(QPalette::Text, tone);
    }
};

} // namespace

ConfigAppliedPanel::ConfigAppliedPanel(Session *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_config(session)
    , m_model(new AppliedStatusModel(this))
    , m_summary(new QLabel)
    , m_note(new QLabel)
    , m_table(new QTableView) {
    m_summary->setObjectName(QStringLiteral("SectionTitle"));
    m_summary->setWordWrap(true);
    m_note->setObjectName(QStringLiteral("PageSubtitle"));
    m_note->setWordWrap(true);
    m_note->setText(tr("Instances acknowledge what they applied (libaegis-client does it after "
                       "each change); refreshed every few seconds while shown."));
    m_table->setModel(m_model);
    m_table->setItemDelegate(new AppliedStateDelegate(m_table));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setShowGrid(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(28);
    m_table->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setColumnWidth(AppliedStatusModel::InstanceColumn, 220);
    m_table->setColumnWidth(AppliedStatusModel::VersionColumn, 80);
    m_table->setColumnWidth(AppliedStatusModel::StateColumn, 220);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 12, 0, 0);
    layout->addWidget(m_summary);
    layout->addWidget(m_note);
    layout->addWidget(m_table, 1);

    m_refresh.setInterval(3000);
    connect(&m_refresh, &QTimer::timeout, this, &ConfigAppliedPanel::refresh);
}

void ConfigAppliedPanel::setItem(const ConfigItemRef &ref) {
    if (ref == m_ref) {
        return;
    }
    m_ref = ref;
    m_call.drop();
    m_loading = false;
    m_model->clear();
    m_summary->setText(ref.isValid() ? tr("Loading…") : QString());
    if (isVisible()) {
        refresh();
    }
}

void ConfigAppliedPanel::refresh() {
    if (!m_ref.isValid() || m_loading || !m_session->isConnected()) {
        return;
    }
    m_loading = true;
    m_config.getAppliedStatus(
        m_ref, m_call.renew(), [this](const CallResult<ConfigAppliedStatus> &result) {
            m_loading = false;
            if (!result.ok()) {
                m_summary->setText(tr("Could not load the applied status: %1 (%2)")
                                       .arg(result.error().describe(), result.error().codeName()));
                return;
            }
            const ConfigAppliedStatus &status = result.value();
            m_model->setStatus(status);
            m_summary->setText(status.summary.isEmpty()
                                   ? tr("No instance has acknowledged a version yet")
                                   : status.summary);
        });
}

QString ConfigAppliedPanel::summaryText() const {
    return m_summary->text();
}

void ConfigAppliedPanel::showEvent(QShowEvent *event) {
    refresh();
    m_refresh.start();
    QWidget::showEvent(event);
}

void ConfigAppliedPanel::hideEvent(QHideEvent *event) {
    m_refresh.stop();
    QWidget::hideEvent(event);
}

} // namespace aegis::console

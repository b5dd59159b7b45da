#include "views/column_fitter.h"

#include <QAbstractItemModel>
#include <QEvent>
#include <QHeaderView>
#include <QScrollBar>
#include <QTableView>

#include <algorithm>
#include <numeric>

namespace aegis::console {
namespace {

// A column holding long free text (a summary, a path) takes at most this much before the
// stretching column gets the rest; its tooltip has the whole text.
constexpr int kWidestColumn = 420;
constexpr int kPadding = 12;

} // namespace

ColumnFitter::ColumnFitter(QTableView *table, int stretchColumn, int stretchKeeps)
    : QObject(table)
    , m_table(table)
    , m_stretch(stretchColumn)
    , m_stretchKeeps(stretchKeeps) {
    m_pending.setSingleShot(true);
    m_pending.setInterval(0);
    connect(&m_pending, &QTimer::timeout, this, &ColumnFitter::fit);
    m_table->viewport()->installEventFilter(this);
    QHeaderView *header = m_table->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setSectionResizeMode(m_stretch, QHeaderView::Stretch);
    header->setStretchLastSection(false);
    connect(header, &QHeaderView::sectionResized, this, [this](int column) {
        if (!m_fitting && column != m_stretch) {
            m_resizedByHand.insert(column);
        }
    });
    if (QAbstractItemModel *model = m_table->model()) {
        connect(model, &QAbstractItemModel::rowsInserted, this, &ColumnFitter::schedule);
        connect(model, &QAbstractItemModel::rowsRemoved, this, &ColumnFitter::schedule);
        connect(model, &QAbstractItemModel::modelReset, this, &ColumnFitter::schedule);
        connect(model, &QAbstractItemModel::layoutChanged, this, &ColumnFitter::schedule);
        connect(model, &QAbstractItemModel::dataChanged, this, &ColumnFitter::schedule);
    }
    schedule();
}

bool ColumnFitter::eventFilter(QObject *watched, QEvent *event) {
    if (watched == m_table->viewport() &&
        (event->type() == QEvent::Resize || event->type() == QEvent::Show)) {
        schedule();
    }
    return QObject::eventFilter(watched, event);
}

void ColumnFitter::schedule() {
    if (!m_pending.isActive()) {
        m_pending.start();
    }
}

void ColumnFitter::setFixedWidth(int column, int width) {
    m_fixed.insert(column, width);
    schedule();
}

int ColumnFitter::contentWidth(int column) const {
    if (m_fixed.contains(column)) {
        return m_fixed.value(column);
    }
    // QTableView hides the width its rows ask for behind protected; the item view's is public.
    const QAbstractItemView *view = m_table;
    return std::max(m_table->horizontalHeader()->sectionSizeHint(column),
                    view->sizeHintForColumn(column) + kPadding);
}

int ColumnFitter::idealWidth() const {
    const QAbstractItemModel *model = m_table->model();
    int width = 2 * m_table->frameWidth();
    if (m_table->verticalScrollBar()->isVisible()) {
        width += m_table->verticalScrollBar()->width();
    }
    for (int column = 0; model && column < model->columnCount(); ++column) {
        if (!m_table->isColumnHidden(column)) {
            width += m_fixed.contains(column)
                         ? m_fixed.value(column)
                         : std::min(contentWidth(column),
                                    std::max(m_table->horizontalHeader()->sectionSizeHint(column),
                                             kWidestColumn));
        }
    }
    return width;
}

void ColumnFitter::fit() {
    m_pending.stop();
    QAbstractItemModel *model = m_table->model();
    if (!model) {
        return;
    }
    QHeaderView *header = m_table->horizontalHeader();
    const int columns = model->columnCount();
    QList<int> wanted(columns, 0);
    QList<int> floor(columns, 0);
    for (int column = 0; column < columns; ++column) {
        if (column == m_stretch || m_table->isColumnHidden(column)) {
            continue;
        }
        if (m_fixed.contains(column)) {
            floor[column] = wanted[column] = m_fixed.value(column);
            continue;
        }
        if (m_resizedByHand.contains(column)) {
            wanted[column] = header->sectionSize(column);
            floor[column] = wanted[column];
            continue;
        }
        floor[column] = header->sectionSizeHint(column);
        wanted[column] =
            std::clamp(contentWidth(column), floor[column], std::max(floor[column], kWidestColumn));
    }
    const int stretchNeeds = std::min(contentWidth(m_stretch), m_stretchKeeps);
    const int available = m_table->viewport()->width();
    int excess = std::accumulate(wanted.cbegin(), wanted.cend(), 0) + stretchNeeds - available;
    // The shrinkable columns give way in turn, widest first, down to their header; then, if
    // that is not enough (longer headers in another language), every other column sized to its
    // content does the same, so the stretching column is not the one cut.
    const auto giveWay = [&](QList<int> order) {
        std::sort(order.begin(), order.end(),
                  [&wanted](int a, int b) { return wanted.value(a) > wanted.value(b); });
        for (int column : order) {
            if (excess <= 0) {
                break;
            }
            if (column < 0 || column >= columns || wanted[column] == 0) {
                continue;
            }
            const int give = std::min(excess, wanted[column] - floor[column]);
            wanted[column] -= give;
            excess -= give;
        }
    };
    giveWay(m_shrinkable);
    QList<int> sizedToContent;
    for (int column = 0; column < columns; ++column) {
        if (column != m_stretch && !m_fixed.contains(column) && !m_resizedByHand.contains(column) &&
            !m_shrinkable.contains(column)) {
            sizedToContent.append(column);
        }
    }
    giveWay(sizedToContent);
    m_fitting = true;
    for (int column = 0; column < columns; ++column) {
        if (column != m_stretch && wanted[column] > 0 &&
            header->sectionSize(column) != wanted[column]) {
            header->resizeSection(column, wanted[column]);
        }
    }
    // Too narrow even so: the stretching column keeps its header and what it needs up to
    // m_stretchKeeps, and the table scrolls sideways rather than cutting it; otherwise it takes
    // the width left.
    const int used = std::accumulate(wanted.cbegin(), wanted.cend(), 0);
    const int stretchFloor = std::max(header->sectionSizeHint(m_stretch), stretchNeeds);
    if (available - used < stretchFloor) {
        header->setSectionResizeMode(m_stretch, QHeaderView::Interactive);
        header->resizeSection(m_stretch, stretchFloor);
    } else if (header->sectionResizeMode(m_stretch) != QHeaderView::Stretch) {
        header->setSectionResizeMode(m_stretch, QHeaderView::Stretch);
    }
    m_fitting = false;
}

} // namespace aegis::console

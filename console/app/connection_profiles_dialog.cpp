#include "app/connection_profiles_dialog.h"

#include "app/token_vault.h"
#include "client/connection.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace aegis::console {
namespace {

enum TokenMode { TokenFileMode, StoredTokenMode };

} // namespace

ConnectionProfilesDialog::ConnectionProfilesDialog(ProfileStore &store, TokenVault &vault,
                                                   const QString &current, QWidget *parent)
    : QDialog(parent)
    , m_store(store)
    , m_vault(vault)
    , m_profiles(store.profiles())
    , m_list(new QListWidget)
    , m_name(new QLineEdit)
    , m_address(new QLineEdit)
    , m_ca(new QLineEdit)
    , m_cert(new QLineEdit)
    , m_key(new QLineEdit)
    , m_serverName(new QLineEdit)
    , m_tokenMode(new QComboBox)
    , m_tokenFile(new QLineEdit)
    , m_tokenFileBrowse(new QPushButton(tr("Browse…")))
    , m_token(new QLineEdit)
    , m_vaultNote(new QLabel)
    , m_error(new QLabel) {
    setWindowTitle(tr("Connection profiles"));
    resize(760, 480);

    auto *add = new QPushButton(tr("Add"));
    auto *remove = new QPushButton(tr("Remove"));
    auto *listButtons = new QHBoxLayout;
    listButtons->addWidget(add);
    listButtons->addWidget(remove);
    auto *left = new QVBoxLayout;
    left->addWidget(m_list, 1);
    left->addLayout(listButtons);

    m_address->setPlaceholderText(QStringLiteral("127.0.0.1:7400"));
    m_address->setToolTip(tr("HOST:PORT of aegisd; for a highly available control plane, every "
                             "replica's HOST:PORT separated by commas: the console connects to "
                             "the first that answers and moves on when it goes away."));
    m_ca->setPlaceholderText(tr("none: plaintext"));
    m_cert->setPlaceholderText(tr("none"));
    m_key->setPlaceholderText(tr("none"));
    m_serverName->setPlaceholderText(tr("the address's host"));
    m_tokenMode->addItem(tr("Read from a token file"), TokenFileMode);
    m_tokenMode->addItem(tr("Enter a token"), StoredTokenMode);
    m_token->setEchoMode(QLineEdit::Password);

    auto fileRow = [this](QLineEdit *edit, const QString &title) {
        auto *row = new QHBoxLayout;
        auto *button = new QPushButton(tr("Browse…"));
        row->addWidget(edit, 1);
        row->addWidget(button);
        connect(button, &QPushButton::clicked, this,
                [this, edit, title] { edit->setText(browse(title, edit->text())); });
        return row;
    };
    auto *form = new QFormLayout;
    form->setVerticalSpacing(8);
    form->addRow(tr("Name"), m_name);
    form->addRow(tr("Address"), m_address);
    form->addRow(tr("TLS CA certificate"), fileRow(m_ca, tr("CA certificate")));
    form->addRow(tr("Client certificate"), fileRow(m_cert, tr("Client certificate")));
    form->addRow(tr("Client key"), fileRow(m_key, tr("Client key")));
    form->addRow(tr("TLS server name"), m_serverName);
    form->addRow(tr("Token"), m_tokenMode);
    auto *tokenFileRow = new QHBoxLayout;
    tokenFileRow->addWidget(m_tokenFile, 1);
    tokenFileRow->addWidget(m_tokenFileBrowse);
    form->addRow(tr("Token file"), tokenFileRow);
    form->addRow(tr("Token value"), m_token);
    m_vaultNote->setWordWrap(true);
    m_vaultNote->setObjectName(QStringLiteral("PageSubtitle"));
    form->addRow(QString(), m_vaultNote);
    m_error->setStyleSheet(QStringLiteral("color: #cf222e"));
    form->addRow(QString(), m_error);

    auto *columns = new QHBoxLayout;
    columns->addLayout(left, 1);
    columns->addSpacing(12);
    columns->addLayout(form, 3);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel);
    auto *connectButton = buttons->addButton(tr("Connect"), QDialogButtonBox::AcceptRole);
    connectButton->setDefault(true);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(columns, 1);
    layout->addWidget(buttons);

    for (const ConnectionProfile &profile : std::as_const(m_profiles)) {
        m_list->addItem(profile.name);
    }
    connect(m_list, &QListWidget::currentRowChanged, this, [this](int row) {
        storeForm();
        showProfile(row);
    });
    connect(add, &QPushButton::clicked, this, &ConnectionProfilesDialog::addProfile);
    connect(remove, &QPushButton::clicked, this, &ConnectionProfilesDialog::removeProfile);
    connect(m_tokenMode, &QComboBox::currentIndexChanged, this,
            &ConnectionProfilesDialog::updateTokenMode);
    connect(m_tokenFileBrowse, &QPushButton::clicked, this,
            [this] { m_tokenFile->setText(browse(tr("Token file"), m_tokenFile->text())); });
    connect(m_name, &QLineEdit::textEdited, this, [this](const QString &text) {
        if (auto *item = m_list->currentItem()) {
            item->setText(text);
        }
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons->button(QDialogButtonBox::Save), &QPushButton::clicked, this,
            &ConnectionProfilesDialog::accept);
    connect(connectButton, &QPushButton::clicked, this, [this] {
        storeForm();
        if (m_row >= 0) {
            m_connectTo = m_profiles.at(m_row).name;
        }
    });
    connect(&m_vault, &TokenVault::backendChanged, this,
            [this] { m_vaultNote->setText(m_vault.backendDescription()); });

    int row = 0;
    for (int i = 0; i < m_profiles.size(); ++i) {
        if (m_profiles.at(i).name == current) {
            row = i;
        }
    }
    m_list->setCurrentRow(row);
}

QString ConnectionProfilesDialog::browse(const QString &title, const QString &current) {
    const QString file = QFileDialog::getOpenFileName(this, title, current);
    return file.isEmpty() ? current : file;
}

void ConnectionProfilesDialog::showProfile(int row) {
    m_row = row;
    const bool valid = row >= 0 && row < m_profiles.size();
    const ConnectionProfile profile = valid ? m_profiles.at(row) : ConnectionProfile{};
    m_name->setText(profile.name);
    m_address->setText(profile.address);
    m_ca->setText(profile.caFile);
    m_cert->setText(profile.certFile);
    m_key->setText(profile.keyFile);
    m_serverName->setText(profile.tlsServerName);
    m_tokenFile->setText(profile.tokenFile);
    m_token->setText(m_newTokens.value(profile.name));
    m_token->setPlaceholderText(profile.storedToken ? tr("kept; type to replace")
                                                    : tr("paste the bearer token"));
    m_tokenMode->setCurrentIndex(profile.storedToken ? StoredTokenMode : TokenFileMode);
    updateTokenMode();
}

void ConnectionProfilesDialog::storeForm() {
    if (m_row < 0 || m_row >= m_profiles.size()) {
        return;
    }
    ConnectionProfile &profile = m_profiles[m_row];
    profile.name = m_name->text().trimmed();
    profile.address = m_address->text().trimmed();
    profile.caFile = m_ca->text().trimmed();
    profile.certFile = m_cert->text().trimmed();
    profile.keyFile = m_key->text().trimmed();
    profile.tlsServerName = m_serverName->text().trimmed();
    profile.tokenFile = m_tokenFile->text().trimmed();
    const bool stored = m_tokenMode->currentData().toInt() == StoredTokenMode;
    if (stored && !m_token->text().isEmpty()) {
        m_newTokens.insert(profile.name, m_token->text());
    }
    profile.storedToken = stored && (profile.storedToken || m_newTokens.contains(profile.name));
}

void ConnectionProfilesDialog::updateTokenMode() {
    const bool stored = m_tokenMode->currentData().toInt() == StoredTokenMode;
    m_tokenFile->setEnabled(!stored);
    m_tokenFileBrowse->setEnabled(!stored);
    m_token->setEnabled(stored);
    m_vaultNote->setText(stored ? m_vault.backendDescription() : QString());
}

void ConnectionProfilesDialog::addProfile() {
    storeForm();
    ConnectionProfile profile = ProfileStore::defaultProfile();
    profile.name = tr("profile-%1").arg(m_profiles.size() + 1);
    m_profiles.append(profile);
    m_list->addItem(profile.name);
    m_list->setCurrentRow(static_cast<int>(m_profiles.size()) - 1);
    m_name->setFocus();
    m_name->selectAll();
}

void ConnectionProfilesDialog::removeProfile() {
    const int row = m_list->currentRow();
    if (row < 0 || m_profiles.size() <= 1) {
        return;
    }
    m_row = -1;
    m_vault.remove(m_profiles.at(row).name);
    m_profiles.removeAt(row);
    delete m_list->takeItem(row);
    showProfile(m_list->currentRow());
}

void ConnectionProfilesDialog::accept() {
    storeForm();
    QStringList names;
    for (const ConnectionProfile &profile : std::as_const(m_profiles)) {
        QString problem;
        if (profile.name.isEmpty()) {
            problem = tr("Every profile needs a name.");
        } else if (names.contains(profile.name)) {
            problem = tr("Two profiles are named \"%1\".").arg(profile.name);
        } else if (!client::parseEndpointList(profile.address.toStdString())) {
            problem = tr("Profile \"%1\": the address must be HOST:PORT, or the replicas' "
                         "HOST:PORT separated by commas.")
                          .arg(profile.name);
        } else if (!profile.certFile.isEmpty() != !profile.keyFile.isEmpty()) {
            problem = tr("Profile \"%1\": mutual TLS needs both a certificate and a key.")
                          .arg(profile.name);
        }
        if (!problem.isEmpty()) {
            m_error->setText(problem);
            m_connectTo.clear();
            return;
        }
        names.append(profile.name);
    }
    for (auto it = m_newTokens.cbegin(); it != m_newTokens.cend(); ++it) {
        m_vault.write(it.key(), it.value(), [](bool) {});
    }
    m_store.setProfiles(m_profiles);
    QDialog::accept();
}

} // namespace aegis::console

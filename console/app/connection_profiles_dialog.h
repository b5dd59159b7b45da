#pragma once

#include "app/connection_profile.h"

#include <QDialog>
#include <QHash>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace aegis::console {

class TokenVault;

// Adds, edits and removes connection profiles. Changes are applied to the store when the dialog
// is accepted ("Save" or "Connect"); tokens typed in go to the vault, never to the settings.
class ConnectionProfilesDialog final : public QDialog {
    Q_OBJECT
public:
    ConnectionProfilesDialog(ProfileStore &store, TokenVault &vault, const QString &current,
                             QWidget *parent = nullptr);

    // The profile to connect to after "Connect"; empty after "Save".
    QString connectTo() const { return m_connectTo; }

    void accept() override;

private:
    void showProfile(int row);
    void storeForm();
    void addProfile();
    void removeProfile();
    void updateTokenMode();
    QString browse(const QString &title, const QString &current);

    ProfileStore &m_store; // Not owned.
    TokenVault &m_vault;   // Not owned.
    QList<ConnectionProfile> m_profiles;
    // Tokens typed in this session, by profile name, to hand to the vault on accept.
    QHash<QString, QString> m_newTokens;
    int m_row = -1;
    QString m_connectTo;

    QListWidget *m_list;
    QLineEdit *m_name;
    QLineEdit *m_address;
    QLineEdit *m_ca;
    QLineEdit *m_cert;
    QLineEdit *m_key;
    QLineEdit *m_serverName;
    QComboBox *m_tokenMode;
    QLineEdit *m_tokenFile;
    QPushButton *m_tokenFileBrowse;
    QLineEdit *m_token;
    QLabel *m_vaultNote;
    QLabel *m_error;
};

} // namespace aegis::console

#pragma once

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QTcpServer>

class QTcpSocket;

// A loopback TCP relay for tests: listens on a port chosen up front and relays every connection
// to an upstream address. Lets a test point a client at an address before the daemon behind it
// exists, and cut connections to simulate the daemon going away.
class TcpForwarder final : public QObject {
    Q_OBJECT
public:
    explicit TcpForwarder(QObject *parent = nullptr);
    // Drops the connections first: the sockets are children and would otherwise report their
    // disconnection from ~QObject, after m_pairs is gone.
    ~TcpForwarder() override;

    // A port nothing listens on right now.
    static quint16 freePort();

    bool listen(quint16 port, const QHostAddress &upstreamHost, quint16 upstreamPort);
    // Stops accepting and drops every relayed connection.
    void stop();
    int connectionCount() const { return static_cast<int>(m_pairs.size()); }

private:
    struct Pair {
        QTcpSocket *client;
        QTcpSocket *upstream;
        QByteArray pending;
    };
    void accept();
    void drop(Pair *pair);

    QTcpServer m_server;
    QHostAddress m_upstreamHost;
    quint16 m_upstreamPort = 0;
    QList<Pair *> m_pairs;
};

#include "tcp_forwarder.h"

#include <QTcpSocket>

TcpForwarder::TcpForwarder(QObject *parent)
    : QObject(parent) {
    connect(&m_server, &QTcpServer::newConnection, this, &TcpForwarder::accept);
}

TcpForwarder::~TcpForwarder() {
    stop();
}

quint16 TcpForwarder::freePort() {
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

bool TcpForwarder::listen(quint16 port, const QHostAddress &upstreamHost, quint16 upstreamPort) {
    m_upstreamHost = upstreamHost;
    m_upstreamPort = upstreamPort;
    return m_server.listen(QHostAddress::LocalHost, port);
}

void TcpForwarder::stop() {
    m_server.close();
    while (!m_pairs.isEmpty()) {
        drop(m_pairs.first());
    }
}

void TcpForwarder::accept() {
    while (QTcpSocket *client = m_server.nextPendingConnection()) {
        auto *pair = new Pair{client, new QTcpSocket(this), {}};
        m_pairs.append(pair);
        connect(client, &QTcpSocket::readyRead, this, [pair] {
            const QByteArray data = pair->client->readAll();
            if (pair->upstream->state() == QAbstractSocket::ConnectedState) {
                pair->upstream->write(data);
            } else {
                pair->pending += data;
            }
        });
        connect(pair->upstream, &QTcpSocket::connected, this, [pair] {
            pair->upstream->write(pair->pending);
            pair->pending.clear();
        });
        connect(pair->upstream, &QTcpSocket::readyRead, this,
                [pair] { pair->client->write(pair->upstream->readAll()); });
        connect(client, &QTcpSocket::disconnected, this, [this, pair] { drop(pair); });
        connect(pair->upstream, &QTcpSocket::disconnected, this, [this, pair] { drop(pair); });
        connect(pair->upstream, &QTcpSocket::errorOccurred, this, [this, pair] { drop(pair); });
        pair->upstream->connectToHost(m_upstreamHost, m_upstreamPort);
    }
}

void TcpForwarder::drop(Pair *pair) {
    if (!m_pairs.removeOne(pair)) {
        return;
    }
    pair->client->disconnect(this);
    pair->upstream->disconnect(this);
    pair->client->abort();
    pair->upstream->abort();
    pair->client->deleteLater();
    pair->upstream->deleteLater();
    delete pair;
}

package org.mobilegt.gateway.tunnel.impl;

import java.util.Collection;

import org.mobilegt.gateway.session.api.Session;

/**
 * Sends small control datagrams (handshake replies, hints, keepalives) from one thread, through
 * its own one-message batch, so control traffic never touches the pumps' buffers.
 */
final class ControlSender {

	/** Most datagrams sent in one system call. */
	static final int BATCH = 32;

	private final MessageBatch batch = new MessageBatch(BATCH, TunnelSettings.REPLY_SIZE);

	/** Sends {@code datagram} to {@code endpoint}; false when the socket is gone or refused it. */
	boolean send(UdpSocket socket, byte[] datagram, long endpoint) {
		return send(socket, datagram, endpoint, 1) == 1;
	}

	/** Sends {@code copies} copies of {@code datagram} in one system call; how many went out. */
	int send(UdpSocket socket, byte[] datagram, long endpoint, int copies) {
		if (socket == null) {
			return 0;
		}
		int n = Math.min(copies, BATCH);
		for (int i = 0; i < n; i++) {
			batch.next().put(datagram);
			batch.commit(datagram.length, endpoint);
		}
		return n - batch.flush(socket);
	}

	/** Sends a keepalive to each of {@code sessions} that was sent nothing for {@code periodMillis}; how many went out. */
	int keepalives(UdpSocket socket, Collection<Session> sessions, long periodMillis) {
		long now = System.currentTimeMillis();
		long[] idle = new long[sessions.size()];
		int n = 0;
		for (Session session : sessions) {
			if (n < idle.length && now - session.lastSentMillis() >= periodMillis) {
				idle[n++] = session.endpoint();
				session.sent(1, false, now);
			}
		}
		return sendEach(socket, TunnelSettings.KEEPALIVE, idle, n);
	}

	/** Sends {@code datagram} to each of the first {@code count} endpoints, {@link #BATCH} per call; how many went out. */
	int sendEach(UdpSocket socket, byte[] datagram, long[] endpoints, int count) {
		if (socket == null) {
			return 0;
		}
		int sent = 0;
		for (int i = 0; i < count; i++) {
			batch.next().put(datagram);
			batch.commit(datagram.length, endpoints[i]);
			if (batch.full() || i == count - 1) {
				int n = batch.pending();
				sent += n - batch.flush(socket);
			}
		}
		return sent;
	}
}

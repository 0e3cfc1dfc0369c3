package org.mobilegt.gateway.tunnel.impl;

/**
 * Sends small control datagrams (handshake replies, hints, keepalives) from one thread, through
 * its own one-message batch, so control traffic never touches the pumps' buffers.
 */
final class ControlSender {

	/** Most copies of one datagram sent at once (handshake reply repeats). */
	static final int MAX_COPIES = 10;

	private final MessageBatch batch = new MessageBatch(MAX_COPIES, TunnelSettings.REPLY_SIZE);

	/** Sends {@code datagram} to {@code endpoint}; false when the socket is gone or refused it. */
	boolean send(UdpSocket socket, byte[] datagram, long endpoint) {
		return send(socket, datagram, endpoint, 1) == 1;
	}

	/** Sends {@code copies} copies of {@code datagram} in one system call; how many went out. */
	int send(UdpSocket socket, byte[] datagram, long endpoint, int copies) {
		if (socket == null) {
			return 0;
		}
		int n = Math.min(copies, MAX_COPIES);
		for (int i = 0; i < n; i++) {
			batch.next().put(datagram);
			batch.commit(datagram.length, endpoint);
		}
		return n - batch.flush(socket);
	}
}

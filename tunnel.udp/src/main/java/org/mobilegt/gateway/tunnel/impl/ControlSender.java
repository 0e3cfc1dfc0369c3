package org.mobilegt.gateway.tunnel.impl;

/**
 * Sends small control datagrams (handshake replies, hints, keepalives) from one thread, through
 * its own one-message batch, so control traffic never touches the pumps' buffers.
 */
final class ControlSender {

	private final MessageBatch batch = new MessageBatch(1, TunnelSettings.REPLY_SIZE);

	/** Sends {@code datagram} to {@code endpoint}; false when the socket is gone or refused it. */
	boolean send(UdpSocket socket, byte[] datagram, long endpoint) {
		if (socket == null) {
			return false;
		}
		batch.next().put(datagram);
		batch.commit(datagram.length, endpoint);
		return batch.flush(socket) == 0;
	}
}

package org.mobilegt.gateway.e2e;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.sun.jna.Memory;

/**
 * A ToyVpn client whose data goes out with UDP GSO: one send carries many same-sized datagrams, as
 * one packet through the veth, so that a receiver with UDP GRO gets them as one message, as a NIC
 * merges a burst. A plain IPv4 socket through libc (the JDK's cannot set UDP_SEGMENT).
 */
final class MergingClient implements AutoCloseable {

	private static final int AF_INET = 2;
	private static final int SOCK_DGRAM = 2;
	private static final int SOL_UDP = 17;
	private static final int UDP_SEGMENT = 103;
	private final int fd;
	private final ByteBuffer buffer = ByteBuffer.allocateDirect(65536);

	/** A socket in {@code ns} connected to the gateway's {@code server}. */
	MergingClient(String ns, InetSocketAddress server) {
		fd = Netns.inside(ns, () -> LinuxC.socket(AF_INET, SOCK_DGRAM, 0));
		if (fd < 0) {
			throw new IllegalStateException("socket: " + LinuxC.lastError());
		}
		try (Memory address = new Memory(16)) {
			address.clear();
			ByteBuffer a = address.getByteBuffer(0, 16);
			a.order(ByteOrder.nativeOrder()).putShort(0, (short) AF_INET);
			a.order(ByteOrder.BIG_ENDIAN).putShort(2, (short) server.getPort()).put(4, server.getAddress().getAddress());
			if (LinuxC.connect(fd, address, 16) < 0) {
				throw new IllegalStateException("connect to " + server + ": " + LinuxC.lastError());
			}
		}
	}

	/**
	 * Handshakes with {@code secret}: what the socket still holds (repeats of an earlier reply,
	 * keepalives) is read first, so the parameters are those of the reply to this handshake.
	 */
	Parameters handshake(String secret) {
		while (receive(0) != null) {
			// stale
		}
		send(ToyVpnClient.handshakeDatagram(secret, null));
		long deadline = System.nanoTime() + 5_000_000_000L;
		for (byte[] d; System.nanoTime() < deadline;) {
			d = receive(100);
			if (d != null && d.length > 1 && d[0] == 0) {
				return Parameters.parse(d, d.length);
			}
		}
		throw new AssertionError("no handshake reply within 5 s");
	}

	/** The next datagram, or null when none comes within {@code timeoutMillis}. */
	private byte[] receive(int timeoutMillis) {
		try (Memory poll = new Memory(8)) {
			poll.setInt(0, fd);
			poll.setShort(4, LinuxC.POLLIN);
			poll.setShort(6, (short) 0);
			if (LinuxC.poll(poll, 1, timeoutMillis) <= 0) {
				return null;
			}
		}
		buffer.clear();
		int n = (int) LinuxC.read(fd, buffer, buffer.capacity());
		if (n < 0) {
			throw new IllegalStateException("read: " + LinuxC.lastError());
		}
		byte[] d = new byte[n];
		buffer.get(0, d);
		return d;
	}

	/**
	 * Sends the datagrams in one system call, as one GSO packet: all but the last must be as long as
	 * the first.
	 */
	void sendMerged(byte[]... datagrams) {
		try (Memory size = new Memory(4)) {
			size.setInt(0, datagrams[0].length);
			if (LinuxC.setsockopt(fd, SOL_UDP, UDP_SEGMENT, size, 4) < 0) {
				throw new IllegalStateException("UDP_SEGMENT: " + LinuxC.lastError());
			}
		}
		buffer.clear();
		for (byte[] d : datagrams) {
			buffer.put(d);
		}
		buffer.flip();
		if (LinuxC.write(fd, buffer, buffer.remaining()) != buffer.remaining()) {
			throw new IllegalStateException("GSO send of " + datagrams.length + " datagrams: " + LinuxC.lastError());
		}
	}

	private void send(byte[] datagram) {
		buffer.clear();
		buffer.put(datagram).flip();
		if (LinuxC.write(fd, buffer, datagram.length) != datagram.length) {
			throw new IllegalStateException("send: " + LinuxC.lastError());
		}
	}

	@Override
	public void close() {
		LinuxC.close(fd);
	}
}

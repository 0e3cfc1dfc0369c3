package org.mobilegt.gateway.tunnel.impl;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.mobilegt.gateway.common.testing.RecordingLogger;
import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.tunnel.api.DropReason;

/**
 * The data path's surroundings for a unit test, without root: the tunnel's real UDP socket and a
 * client socket on the loopback interface, fake sessions, key check and TUN device published in a
 * {@link Bindings.Cell}, and real metrics and {@link Control}.
 */
final class Rig implements AutoCloseable {

	static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
	/** The client's lease: the source address PacketsTest.ipv4 and CoalescerTest.segment write. */
	static final int LEASE = 0x0A4D0002;
	static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

	final TunnelSettings settings;
	final UdpSocket socket;
	final DatagramSocket client;
	final long endpoint;
	final Fakes.FakeSessions sessions = new Fakes.FakeSessions();
	final Fakes.FakeKeyCheck keys = new Fakes.FakeKeyCheck();
	final Fakes.FakeTun tun;
	final Bindings.Cell cell = new Bindings.Cell();
	final TunnelMetrics metrics = new TunnelMetrics();
	final RecordingLogger log = new RecordingLogger();
	final Control control;

	Rig(int offloadHeader) throws IOException {
		this(offloadHeader, Map.of());
	}

	Rig(int offloadHeader, Map<String, Object> config) throws IOException {
		settings = TunnelSettingsTest.settings(config);
		socket = UdpSocket.bind(LOOPBACK, 0, 1 << 20);
		client = new DatagramSocket(0, LOOPBACK);
		client.setSoTimeout(100);
		endpoint = EndpointKey.key(0x7F000001, client.getLocalPort());
		tun = new Fakes.FakeTun(offloadHeader);
		cell.set(Bindings.NONE.withSettings(settings).withSocket(socket).withTun(tun).withKeyCheck(keys).withSessions(sessions).withSecurityLog(keys));
		control = new Control(cell, metrics, log.logger, settings);
	}

	/** The client's session, holding {@link #LEASE}. */
	Fakes.FakeSession session() {
		return sessions.add(endpoint, LEASE);
	}

	void send(byte[] datagram) throws IOException {
		client.send(new DatagramPacket(datagram, datagram.length, LOOPBACK, socket.port()));
	}

	void send(ByteBuffer packet) throws IOException {
		byte[] d = new byte[packet.remaining()];
		packet.get(packet.position(), d);
		send(d);
	}

	/** The next datagram the client receives, or null when none comes within a short while. */
	byte[] receive() throws IOException {
		DatagramPacket p = new DatagramPacket(new byte[70000], 70000);
		try {
			client.receive(p);
		} catch (SocketTimeoutException e) {
			return null;
		}
		return Arrays.copyOf(p.getData(), p.getLength());
	}

	long drops(DropReason reason) {
		return metrics.drops().getOrDefault(reason, 0L);
	}

	/** Waits (bounded) for {@code condition}, which other threads bring about. */
	static boolean await(BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + WAIT_NANOS;
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				return false;
			}
			Thread.sleep(1);
		}
		return true;
	}

	@Override
	public void close() throws InterruptedException {
		control.shutdown();
		client.close();
		socket.release();
	}
}

package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mobilegt.gateway.common.testing.Annotations;
import org.mobilegt.gateway.common.testing.RecordingLogger;
import org.mobilegt.gateway.tunnel.api.DropReason;
import org.mobilegt.gateway.session.api.SessionManager;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.service.component.ComponentConstants;

/** The component as DS drives it: binds and unbinds in any order, while clients on loopback keep sending. */
class TunnelServerTest {

	private static final int STOPPED = ComponentConstants.DEACTIVATION_REASON_DISPOSED;

	@TempDir
	Path data;

	private final RecordingLogger log = new RecordingLogger();
	private final Fakes.FakeSessions sessions = new Fakes.FakeSessions();
	private final Fakes.FakeKeyCheck keys = new Fakes.FakeKeyCheck();
	private DatagramSocket client;
	private TunnelServer server;
	private int port;
	private int uplinks = 1;

	private FakeFramework framework;

	/** A bundle in {@code state}, marked for start or not. */
	private static Bundle bundle(int state, boolean persistentlyStarted) {
		BundleStartLevel level = proxy(BundleStartLevel.class, (name, args) -> name.equals("isPersistentlyStarted") ? persistentlyStarted : null);
		return proxy(Bundle.class, (name, args) -> switch (name) {
		case "getState" -> state;
		case "adapt" -> level;
		default -> null;
		});
	}

	/** The service reference of a session manager whose bundle is stopping: for an update when still marked for start. */
	@SuppressWarnings("unchecked")
	private static ServiceReference<SessionManager> stopping(boolean forUpdate) {
		Bundle b = bundle(Bundle.STOPPING, forUpdate);
		return proxy(ServiceReference.class, (name, args) -> name.equals("getBundle") ? b : null);
	}

	private static <T> T proxy(Class<T> type, BiFunction<String, Object[], Object> answers) {
		return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type },
				(p, method, args) -> answers.apply(method.getName(), args)));
	}

	private static int freePort() throws IOException {
		try (DatagramSocket s = new DatagramSocket(0, Rig.LOOPBACK)) {
			return s.getLocalPort();
		}
	}

	private Map<String, Object> config(int port) {
		return Map.of("bind", "127.0.0.1", "port", port, "workers", 1, "uplinks", uplinks);
	}

	private TunnelServer activate() {
		Map<String, Object> c = config(port);
		return new TunnelServer(framework.context(), Annotations.of(TunnelConfig.class, c), c, log.logger);
	}

	@BeforeEach
	void start() throws Exception {
		framework = new FakeFramework(data);
		port = freePort();
		client = new DatagramSocket(0, Rig.LOOPBACK);
		client.setSoTimeout(100);
		server = activate();
	}

	@AfterEach
	void stop() throws Exception {
		server.deactivate(STOPPED);
		client.close();
	}

	private void send(byte[] datagram) throws IOException {
		client.send(new DatagramPacket(datagram, datagram.length, Rig.LOOPBACK, port));
	}

	private byte[] receive() throws IOException {
		for (int i = 0; i < 100; i++) {
			byte[] d = receiveOnce();
			if (d != null) {
				return d;
			}
		}
		return null;
	}

	private byte[] receiveOnce() throws IOException {
		DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
		try {
			client.receive(p);
			return Arrays.copyOf(p.getData(), p.getLength());
		} catch (SocketTimeoutException e) {
			return null;
		}
	}

	private static byte[] packet() {
		ByteBuffer p = PacketsTest.ipv4(60, 60);
		return Arrays.copyOf(p.array(), 60);
	}

	private Fakes.FakeSession connect() throws Exception {
		send("\0secret".getBytes(StandardCharsets.US_ASCII));
		assertThat(receive()).as("handshake reply").isNotNull().hasSize(TunnelSettings.REPLY_SIZE);
		while (receiveOnce() != null) {
			// its repeats
		}
		return sessions.byEndpoint.values().iterator().next();
	}

	private long drops(DropReason reason) {
		return server.drops().getOrDefault(reason, 0L);
	}

	@Test
	void servesOnlyWithSocketDeviceKeyCheckAndSessions() throws Exception {
		assertThat(server.socketStatus()).isEqualTo("listening on 127.0.0.1:" + port);
		assertThat(server.serving()).isFalse();
		Fakes.FakeTun tun = new Fakes.FakeTun(0);
		server.bindTun(tun);
		server.bindKeyCheck(keys);
		assertThat(server.serving()).isFalse();
		server.bindSessions(sessions);
		assertThat(server.serving()).isTrue();
		server.unbindTun(tun, Map.of());
		assertThat(server.serving()).isFalse();
		assertThat(log.at("INFO")).contains("Tunnel serving", "Tunnel not serving: no TUN device");
	}

	@Test
	void clientsHandshakeAndTrafficFlowsBothWays() throws Exception {
		Fakes.FakeTun tun = new Fakes.FakeTun(0);
		server.bindTun(tun);
		server.bindKeyCheck(keys);
		server.bindSessions(sessions);
		Fakes.FakeSession session = connect();

		send(packet());
		assertThat(Rig.await(() -> tun.written.size() == 1)).isTrue();
		ByteBuffer reply = PacketsTest.ipv4(60, 60).putInt(12, 0x08080808).putInt(16, session.tunnelAddress());
		tun.toRead.add(Arrays.copyOf(reply.array(), 60));
		assertThat(receive()).as(() -> server.drops() + " " + log.lines()).hasSize(60);
		assertThat(server.totals().rxPackets()).isOne();
		assertThat(Rig.await(() -> server.totals().txPackets() == 1)).isTrue();
		assertThat(server.totals().sessions()).isOne();
	}

	@Test
	void unbindingTheDeviceWaitsForTheBatchWritingToItAndTheNextDeviceTakesOver() throws Exception {
		Fakes.HeldTun slow = new Fakes.HeldTun();
		server.bindTun(slow);
		server.bindKeyCheck(keys);
		server.bindSessions(sessions);
		connect();
		send(packet());
		assertThat(slow.writing.await(10, TimeUnit.SECONDS)).isTrue();

		CompletableFuture<Void> unbound = CompletableFuture.runAsync(() -> server.unbindTun(slow, Map.of()));
		Thread.sleep(50);
		assertThat(unbound).as("the uplink is still writing to the old device").isNotDone();
		slow.release.countDown();
		unbound.get(10, TimeUnit.SECONDS);

		send(packet());
		assertThat(Rig.await(() -> drops(DropReason.NO_TUN) == 1)).isTrue();
		Fakes.FakeTun next = new Fakes.FakeTun(0);
		server.bindTun(next);
		send(packet());
		assertThat(Rig.await(() -> next.written.size() == 1)).isTrue();
		assertThat(slow.written).hasSize(1);
	}

	@Test
	void unbindingADeviceAlreadyReplacedStillWaitsForTheBatchWritingToIt() throws Exception {
		Fakes.HeldTun slow = new Fakes.HeldTun();
		server.bindTun(slow);
		server.bindKeyCheck(keys);
		server.bindSessions(sessions);
		connect();
		send(packet());
		assertThat(slow.writing.await(10, TimeUnit.SECONDS)).isTrue();
		Fakes.FakeTun next = new Fakes.FakeTun(0);
		server.bindTun(next); // a greedy reference: the new device first, then the old one goes

		CompletableFuture<Void> unbound = CompletableFuture.runAsync(() -> server.unbindTun(slow, Map.of()));
		Thread.sleep(50);
		assertThat(unbound).as("the uplink is still writing to the old device").isNotDone();
		slow.release.countDown();
		unbound.get(10, TimeUnit.SECONDS);
		assertThat(server.serving()).isTrue();
		send(packet());
		assertThat(Rig.await(() -> next.written.size() == 1)).isTrue();
	}

	/** A device whose reads block until it is closed, as a real one does when nothing arrives. */
	static final class QuietTun extends Fakes.FakeTun {
		final CountDownLatch reading = new CountDownLatch(1);
		final CountDownLatch closing = new CountDownLatch(1);

		QuietTun() {
			super(0);
		}

		@Override
		public int read(int queue, ByteBuffer dst, int timeoutMillis) throws IOException {
			reading.countDown();
			try {
				closing.await();
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
			return -1;
		}
	}

	@Test
	void theNextDevicesDownlinkStartsWhenTheOldOneEndsAndUnbindDoesNotWaitForIt() throws Exception {
		QuietTun old = new QuietTun();
		server.bindTun(old);
		server.bindKeyCheck(keys);
		server.bindSessions(sessions);
		Fakes.FakeSession session = connect();
		assertThat(old.reading.await(10, TimeUnit.SECONDS)).isTrue();

		server.unbindTun(old, Map.of()); // returns while the old downlink still waits in its read
		assertThat(old.closing.getCount()).isOne();
		Fakes.FakeTun next = new Fakes.FakeTun(0);
		server.bindTun(next);
		ByteBuffer reply = PacketsTest.ipv4(60, 60).putInt(12, 0x08080808).putInt(16, session.tunnelAddress());
		next.toRead.add(Arrays.copyOf(reply.array(), 60));
		old.closing.countDown(); // the old device closes: its reader leaves, the new one may start
		assertThat(receive()).hasSize(60);
		assertThat(Rig.await(() -> server.totals().txPackets() == 1)).isTrue();
	}

	@Test
	void aDeviceHandedOverStaysInUseUntilItsSuccessorBinds() throws Exception {
		Fakes.FakeTun old = new Fakes.FakeTun(0);
		server.bindTun(old);
		server.bindKeyCheck(keys);
		server.bindSessions(sessions);
		connect();

		server.unbindTun(old, Map.of(TunDevice.HANDOVER, Boolean.TRUE)); // its driver is being updated
		assertThat(server.serving()).isTrue();
		send(packet());
		assertThat(Rig.await(() -> old.written.size() == 1)).isTrue();
		Fakes.FakeTun next = new Fakes.FakeTun(0);
		server.bindTun(next);
		send(packet());
		assertThat(Rig.await(() -> next.written.size() == 1)).isTrue();
		assertThat(old.written).hasSize(1);
		assertThat(drops(DropReason.NO_TUN)).isZero();
		assertThat(log.at("INFO")).anyMatch(l -> l.startsWith("Tunnel keeps TUN")).noneMatch(l -> l.startsWith("Tunnel not serving"));
	}

	@Test
	void aDeviceHandedOverWithoutSuccessorIsLetGoAfterTheGrace() throws Exception {
		Fakes.FakeTun old = new Fakes.FakeTun(0);
		server.bindTun(old);
		server.bindKeyCheck(keys);
		server.bindSessions(sessions);
		server.unbindTun(old, Map.of(TunDevice.HANDOVER, Boolean.TRUE));
		assertThat(server.serving()).isTrue();
		assertThat(Rig.WAIT_NANOS).isGreaterThan(Leaving.GRACE_NANOS + TimeUnit.SECONDS.toNanos(2)); // + a housekeeping tick
		assertThat(Rig.await(() -> !server.serving())).isTrue();
		assertThat(log.at("WARN")).anyMatch(l -> l.contains("no successor came"));
	}

	@Test
	void aSessionManagerLeavingForAnUpdateKeepsForwardingButTakesNoHandshake() throws Exception {
		Fakes.FakeTun tun = new Fakes.FakeTun(0);
		server.bindTun(tun);
		server.bindKeyCheck(keys);
		server.bindSessions(sessions);
		Fakes.FakeSession kept = connect();

		server.unbindSessions(sessions, stopping(true));
		// the successor takes the session back from the state the leaving manager saved now
		Fakes.FakeSessions successor = new Fakes.FakeSessions();
		Fakes.FakeSession resumed = successor.add(kept.endpoint, kept.address);
		resumed.txBytes.set(kept.txBytes());
		resumed.txPackets.set(kept.txPackets());
		send(packet());
		assertThat(Rig.await(() -> tun.written.size() == 1)).isTrue();
		assertThat(kept.rxPackets()).isOne();
		send("\0secret".getBytes(StandardCharsets.US_ASCII));
		assertThat(Rig.await(() -> drops(DropReason.NO_SERVICE) == 1)).as("no new session for a leaving manager").isTrue();

		server.bindSessions(successor);
		assertThat(resumed.rxPackets()).as("what the kept one counted after it saved").isOne();
		assertThat(resumed.rxBytes()).isEqualTo(kept.rxBytes());
		send(packet());
		assertThat(Rig.await(() -> tun.written.size() == 2)).isTrue();
		assertThat(resumed.rxPackets()).isEqualTo(2);
		assertThat(kept.rxPackets()).isOne();
	}

	@Test
	void aSessionManagerStoppedForGoodIsLetGoAtOnce() throws Exception {
		server.bindTun(new Fakes.FakeTun(0));
		server.bindKeyCheck(keys);
		server.bindSessions(sessions);
		server.unbindSessions(sessions, stopping(false)); // an operator's stop clears the start mark first
		assertThat(server.serving()).isFalse();
	}

	@Test
	void aReplacedSessionManagerServesTheNextHandshakes() throws Exception {
		server.bindTun(new Fakes.FakeTun(0));
		server.bindKeyCheck(keys);
		server.bindSessions(sessions);
		server.unbindSessions(sessions, null);
		send(packet());
		assertThat(Rig.await(() -> drops(DropReason.NO_SERVICE) == 1)).isTrue();

		Fakes.FakeSessions replacement = new Fakes.FakeSessions();
		server.bindSessions(replacement);
		send("\0secret".getBytes(StandardCharsets.US_ASCII));
		assertThat(receive()).isNotNull();
		assertThat(replacement.byEndpoint).hasSize(1);
		assertThat(sessions.byEndpoint).isEmpty();
	}

	@Test
	void aDeviceWithAForeignOffloadHeaderIsNotUsed() {
		server.bindTun(new Fakes.FakeTun(12));
		assertThat(log.at("ERROR")).singleElement().asString().contains("offload header of 12 bytes");
		server.bindKeyCheck(keys);
		server.bindSessions(sessions);
		assertThat(server.serving()).isFalse();
	}

	@Test
	void aPortInUseIsRefusedAndTheOldSocketKept() throws Exception {
		try (DatagramSocket taken = new DatagramSocket(0, Rig.LOOPBACK)) {
			Map<String, Object> c = config(taken.getLocalPort());
			server.modified(Annotations.of(TunnelConfig.class, c), c);
		}
		assertThat(server.socketStatus()).isEqualTo("listening on 127.0.0.1:" + port);
		server.bindTun(new Fakes.FakeTun(0));
		server.bindKeyCheck(keys);
		server.bindSessions(sessions);
		connect();
	}

	@Test
	void countersCarryOverToTheNextActivationInTheSameFramework() throws Exception {
		server.bindTun(new Fakes.FakeTun(0));
		server.bindKeyCheck(keys);
		server.bindSessions(sessions);
		connect();
		send(packet());
		assertThat(Rig.await(() -> server.totals().rxPackets() == 1)).isTrue();
		server.deactivate(STOPPED);

		server = activate();
		assertThat(server.totals().rxPackets()).isOne();
		assertThat(server.totals().handshakesOk()).isOne();
	}

	private static final int UPDATED = ComponentConstants.DEACTIVATION_REASON_BUNDLE_STOPPED;

	/** Serving with one client, one packet forwarded each way. */
	private Fakes.FakeTun serving() throws Exception {
		Fakes.FakeTun tun = new Fakes.FakeTun(0);
		server.bindTun(tun);
		server.bindKeyCheck(keys);
		server.bindSessions(sessions);
		connect();
		send(packet());
		assertThat(Rig.await(() -> tun.written.size() == 1)).isTrue();
		return tun;
	}

	private void reply(Fakes.FakeTun tun) throws Exception {
		Fakes.FakeSession session = sessions.byEndpoint.values().iterator().next();
		ByteBuffer reply = PacketsTest.ipv4(60, 60).putInt(12, 0x08080808).putInt(16, session.tunnelAddress());
		tun.toRead.add(Arrays.copyOf(reply.array(), 60));
		assertThat(receive()).as(() -> log.lines().toString()).hasSize(60);
	}

	@Test
	void anUpdateHandsTheOpenSocketToTheNextRevisionWhichTakesOverWhenItServes() throws Exception {
		Fakes.FakeTun tun = serving();
		reply(tun);
		TunnelServer old = server;
		old.deactivate(UPDATED);
		assertThat(framework.services).as("the offer").hasSize(1);
		old.unbindSessions(sessions, null); // SCR unbinds after the deactivation: the old pumps keep what they had
		old.unbindKeyCheck(keys);
		old.unbindTun(tun, Map.of());
		send(packet());
		assertThat(Rig.await(() -> tun.written.size() == 2)).as("the old uplink forwards on").isTrue();

		server = activate();
		assertThat(server.serving()).isFalse();
		send(packet());
		assertThat(Rig.await(() -> tun.written.size() == 3)).as("until the new revision serves").isTrue();
		server.bindTun(tun);
		server.bindKeyCheck(keys);
		server.bindSessions(sessions);
		assertThat(server.serving()).isTrue();
		assertThat(server.socketStatus()).isEqualTo("listening on 127.0.0.1:" + port);
		send(packet());
		assertThat(Rig.await(() -> tun.written.size() == 4)).isTrue();
		reply(tun);

		assertThat(Rig.await(framework.services::isEmpty)).as("the offer withdrawn").isTrue();
		assertThat(Rig.await(() -> server.totals().rxPackets() == 4)).as("3 counted by the old pumps, 1 by the new: %s",
				server.totals()).isTrue();
		assertThat(Rig.await(() -> server.totals().txPackets() == 2)).as("%s", server.totals()).isTrue();
		assertThat(server.totals().handshakesOk()).as("%s", server.totals()).isOne();
		assertThat(log.at("INFO")).contains("Tunnel handing over its sockets and pumps to the next revision",
				"Tunnel took over the socket 127.0.0.1:" + port + " from the previous revision",
				"Tunnel stopped: the next revision took over");
		Thread.sleep(200);
		assertThat(server.totals().rxPackets()).as("counted once").isEqualTo(4);
	}

	@Test
	void aRevisionThatDoesNotServeTakesOverWithinTwoSecondsAnyway() throws Exception {
		Fakes.FakeTun tun = serving();
		server.deactivate(UPDATED);
		server = activate();
		assertThat(Rig.await(framework.services::isEmpty)).isTrue();
		assertThat(server.socketStatus()).isEqualTo("listening on 127.0.0.1:" + port);
		assertThat(server.totals().rxPackets()).isOne();
		server.bindTun(tun);
		server.bindKeyCheck(keys);
		server.bindSessions(sessions);
		send(packet());
		assertThat(Rig.await(() -> tun.written.size() == 2)).isTrue();
	}

	@Test
	void anotherPortAfterTheUpdateIsBoundAnewOnceTheOldSocketIsClosed() throws Exception {
		serving();
		server.deactivate(UPDATED);
		int old = port;
		port = freePort();
		server = activate();
		assertThat(Rig.await(framework.services::isEmpty)).as("taken over at once, to be closed").isTrue();
		assertThat(server.socketStatus()).isEqualTo("listening on 127.0.0.1:" + port);
		assertThat(Rig.await(() -> server.totals().rxPackets() == 1)).isTrue();
		try (DatagramSocket again = new DatagramSocket(old, Rig.LOOPBACK)) {
			assertThat(again.getLocalPort()).as("the old port is free").isEqualTo(old);
		}
	}

	@Test
	void anOperatorsStopClosesTheSocketAndOffersNothing() throws Exception {
		serving();
		framework.persistentlyStarted = false;
		server.deactivate(UPDATED);
		assertThat(framework.services).isEmpty();
		assertThat(log.at("INFO")).contains("Tunnel stopped");
		try (DatagramSocket again = new DatagramSocket(port, Rig.LOOPBACK)) {
			assertThat(again.getLocalPort()).isEqualTo(port);
		}
		server = activate();
	}

	/** Handshakes from {@code c} and returns its session. */
	private Fakes.FakeSession connect(DatagramSocket c) throws Exception {
		c.send(new DatagramPacket("\0secret".getBytes(StandardCharsets.US_ASCII), 7, Rig.LOOPBACK, port));
		DatagramPacket reply = new DatagramPacket(new byte[2048], 2048);
		c.receive(reply);
		assertThat(reply.getLength()).as("handshake reply").isEqualTo(TunnelSettings.REPLY_SIZE);
		long endpoint = org.mobilegt.gateway.net.api.EndpointKey.key(0x7F000001, c.getLocalPort());
		assertThat(Rig.await(() -> sessions.byEndpoint.containsKey(endpoint))).isTrue();
		return sessions.byEndpoint.get(endpoint);
	}

	private List<DatagramSocket> clients(int n) throws IOException {
		List<DatagramSocket> clients = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			DatagramSocket c = new DatagramSocket(0, Rig.LOOPBACK);
			c.setSoTimeout(5000);
			clients.add(c);
		}
		return clients;
	}

	/** A data packet from {@code c}'s session, its lease as the source. */
	private void sendFrom(DatagramSocket c) throws IOException {
		Fakes.FakeSession session = sessions.byEndpoint.get(org.mobilegt.gateway.net.api.EndpointKey.key(0x7F000001, c.getLocalPort()));
		byte[] p = Arrays.copyOf(PacketsTest.ipv4(60, 60).putInt(12, session.tunnelAddress()).array(), 60);
		c.send(new DatagramPacket(p, 60, Rig.LOOPBACK, port));
	}

	private void sendFromEach(List<DatagramSocket> clients) throws IOException {
		for (DatagramSocket c : clients) {
			sendFrom(c);
		}
	}

	@Test
	void severalUplinkSocketsServeClientsOnOnePortAndALiveChangeKeepsTheSessions() throws Exception {
		Fakes.FakeTun tun = new Fakes.FakeTun(0);
		server.bindTun(tun);
		server.bindKeyCheck(keys);
		server.bindSessions(sessions);
		uplinks = 3;
		server.modified(Annotations.of(TunnelConfig.class, config(port)), config(port));
		assertThat(UplinkSocketsTest.boundTo(port)).as("the old socket closed after the new ones bound").isEqualTo(3);
		assertThat(log.at("INFO")).contains("Tunnel listening on 127.0.0.1:" + port + " (3 uplink sockets, data steered by lease, receive buffer 8388608 bytes,"
				+ " receive offload on, native calls through " + (Sockets.FOREIGN ? "java.lang.foreign" : "JNA") + ")");
		assertThat(Rig.await(() -> sessions.ways == 3)).as("the session manager spreads fresh leases over the 3 uplinks").isTrue();
		List<DatagramSocket> clients = clients(16);
		try {
			for (DatagramSocket c : clients) {
				Fakes.FakeSession session = connect(c);
				sendFrom(c);
				assertThat(Rig.await(() -> session.rxPackets.get() == 1)).as("%s", server.drops()).isTrue();
				ByteBuffer reply = PacketsTest.ipv4(60, 60).putInt(12, 0x08080808).putInt(16, session.tunnelAddress());
				tun.toRead.add(Arrays.copyOf(reply.array(), 60));
				DatagramPacket got = new DatagramPacket(new byte[2048], 2048);
				do {
					c.receive(got);
				} while (got.getLength() == TunnelSettings.REPLY_SIZE); // the handshake reply's repeats
				assertThat(got.getLength()).as("the reply, from the port the client sent to").isEqualTo(60);
				assertThat(got.getPort()).isEqualTo(port);
			}
			assertThat(server.totals().rxPackets()).isEqualTo(16);
			assertThat(Arrays.stream(server.metrics.uplink).filter(u -> u.packets() > 0).count()).as("spread over the sockets")
					.isGreaterThan(1);

			uplinks = 1;
			server.modified(Annotations.of(TunnelConfig.class, config(port)), config(port));
			assertThat(UplinkSocketsTest.boundTo(port)).isOne();
			assertThat(Rig.await(() -> sessions.ways == 1)).as("and in turn again with one").isTrue();
			sendFromEach(clients);
			assertThat(Rig.await(() -> server.totals().rxPackets() == 32)).as("%s", server.totals()).isTrue();
			assertThat(server.totals().handshakesOk()).as("no client had to handshake again").isEqualTo(16);
		} finally {
			clients.forEach(DatagramSocket::close);
		}
	}

	/** Two busy clients whose leases put them on one of two uplinks: the housekeeping moves one. */
	@Test
	void twoBusyClientsOnOneUplinkAreSpreadOverBoth() throws Exception {
		server.bindTun(new Fakes.FakeTun(0));
		server.bindKeyCheck(keys);
		server.bindSessions(sessions);
		uplinks = 2;
		server.modified(Annotations.of(TunnelConfig.class, config(port)), config(port));
		List<DatagramSocket> clients = clients(3);
		try {
			List<Fakes.FakeSession> leased = new ArrayList<>();
			for (DatagramSocket c : clients) {
				leased.add(connect(c));
			}
			Fakes.FakeSession a = leased.get(0);
			Fakes.FakeSession b = leased.get(2);
			assertThat(List.of(a.tunnelAddress() % 2, b.tunnelAddress() % 2)).as("leases in turn: both on the first uplink").containsExactly(0, 0);
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
			while (server.metrics.uplink[1].packets() == 0 && System.nanoTime() < deadline) {
				a.rxPackets.addAndGet(2_000); // as if each sent 10,000 packets a second
				b.rxPackets.addAndGet(2_000);
				sendFrom(clients.get(0));
				sendFrom(clients.get(2));
				Thread.sleep(200);
			}
			assertThat(server.metrics.uplink[1].packets()).as("one of them reaches the second uplink now").isPositive();
			long first = server.metrics.uplink[0].packets();
			long second = server.metrics.uplink[1].packets();
			for (int i = 0; i < 10; i++) {
				sendFrom(clients.get(0));
				sendFrom(clients.get(2));
			}
			assertThat(Rig.await(() -> server.metrics.uplink[0].packets() + server.metrics.uplink[1].packets() == first + second + 20)).isTrue();
			assertThat(server.metrics.uplink[1].packets() - second).as("one client's packets each").isEqualTo(10);
		} finally {
			clients.forEach(DatagramSocket::close);
		}
	}

	@Test
	void anUpdateHandsEveryUplinkSocketOverAndTheNextRevisionKeepsAsManyAsItIsConfiguredFor() throws Exception {
		uplinks = 3;
		server.deactivate(STOPPED);
		server = activate();
		Fakes.FakeTun tun = serving();
		List<DatagramSocket> clients = clients(8);
		try {
			for (DatagramSocket c : clients) {
				connect(c);
			}
			server.deactivate(UPDATED);
			assertThat(framework.services.keySet()).singleElement()
					.satisfies(ref -> assertThat((int[]) ref.getProperty(SocketHandOver.FDS)).hasSize(3));
			uplinks = 2;
			server = activate();
			server.bindTun(tun);
			server.bindKeyCheck(keys);
			server.bindSessions(sessions);
			assertThat(Rig.await(framework.services::isEmpty)).isTrue();
			assertThat(log.at("INFO")).contains("Tunnel took over 3 sockets on 127.0.0.1:" + port + " from the previous revision");
			assertThat(UplinkSocketsTest.boundTo(port)).as("the third closed: no socket on the port is left unread").isEqualTo(2);
			sendFromEach(clients);
			assertThat(Rig.await(() -> tun.written.size() == 9)).as("%s", server.drops()).isTrue();
			assertThat(server.totals().handshakesOk()).isEqualTo(9);
		} finally {
			clients.forEach(DatagramSocket::close);
		}
		server.deactivate(STOPPED);
		assertThat(UplinkSocketsTest.boundTo(port)).isZero();
		server = activate();
	}
}

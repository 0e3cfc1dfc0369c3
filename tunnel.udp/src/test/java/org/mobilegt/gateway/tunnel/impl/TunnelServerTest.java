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
import java.util.Arrays;
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
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.startlevel.BundleStartLevel;

/** The component as DS drives it: binds and unbinds in any order, while clients on loopback keep sending. */
class TunnelServerTest {

	@TempDir
	Path data;

	private final RecordingLogger log = new RecordingLogger();
	private final Fakes.FakeSessions sessions = new Fakes.FakeSessions();
	private final Fakes.FakeKeyCheck keys = new Fakes.FakeKeyCheck();
	private DatagramSocket client;
	private TunnelServer server;
	private int port;

	private BundleContext context() {
		return (BundleContext) Proxy.newProxyInstance(BundleContext.class.getClassLoader(), new Class<?>[] { BundleContext.class },
				(proxy, method, args) -> switch (method.getName()) {
				case "getProperty" -> Constants.FRAMEWORK_UUID.equals(args[0]) ? "framework-1" : null;
				case "getDataFile" -> data.resolve((String) args[0]).toFile();
				case "getBundle" -> bundle(Bundle.ACTIVE, true); // the system bundle: the framework runs
				default -> throw new UnsupportedOperationException(method.getName());
				});
	}

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

	private static Map<String, Object> config(int port) {
		return Map.of("bind", "127.0.0.1", "port", port, "workers", 1);
	}

	private TunnelServer activate() {
		Map<String, Object> c = config(port);
		return new TunnelServer(context(), Annotations.of(TunnelConfig.class, c), c, log.logger);
	}

	@BeforeEach
	void start() throws Exception {
		port = freePort();
		client = new DatagramSocket(0, Rig.LOOPBACK);
		client.setSoTimeout(100);
		server = activate();
	}

	@AfterEach
	void stop() throws Exception {
		server.deactivate();
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
		server.deactivate();

		server = activate();
		assertThat(server.totals().rxPackets()).isOne();
		assertThat(server.totals().handshakesOk()).isOne();
	}
}

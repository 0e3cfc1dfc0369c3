package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.common.testing.RecordingLogger;

/** The tunnel's sockets on one port, as the kernel sees them (SO_REUSEPORT on loopback, no root). */
class UplinkSocketsTest {

	private final RecordingLogger log = new RecordingLogger();

	static TunnelSettings settings(int port, int uplinks) {
		return TunnelSettingsTest.settings(Map.of("bind", "127.0.0.1", "port", port, "uplinks", uplinks));
	}

	/** UDP sockets of this network namespace bound to {@code port}, from /proc/net/udp. */
	static long boundTo(int port) throws IOException {
		String suffix = String.format(Locale.ROOT, ":%04X", port);
		return Files.readAllLines(Path.of("/proc/net/udp")).stream().skip(1).map(l -> l.trim().split("\\s+")[1])
				.filter(local -> local.endsWith(suffix)).count();
	}

	private static int freePort() throws IOException {
		try (DatagramSocket s = new DatagramSocket(0, Rig.LOOPBACK)) {
			return s.getLocalPort();
		}
	}

	@Test
	void theSocketsShareOnePortAndTheKernelSpreadsSendersOverThemEachStayingOnOne() throws Exception {
		int port = freePort();
		UplinkSockets sockets = UplinkSockets.bind(settings(port, 3), null);
		List<DatagramSocket> clients = new ArrayList<>();
		try {
			assertThat(sockets.size()).isEqualTo(3);
			assertThat(boundTo(port)).isEqualTo(3);
			assertThat(sockets.all()).allMatch(UdpSocket::reusePort).allMatch(s -> s.port() == port);
			MessageBatch batch = new MessageBatch(32, 2048, 0);
			Set<Integer> used = new HashSet<>();
			for (int c = 0; c < 16; c++) {
				DatagramSocket client = new DatagramSocket(0, Rig.LOOPBACK);
				clients.add(client);
				for (int k = 0; k < 3; k++) {
					client.send(new DatagramPacket(new byte[] { 1 }, 1, Rig.LOOPBACK, port));
				}
				Set<Integer> got = new HashSet<>();
				for (int i = 0; i < 3; i++) {
					if (batch.receive(sockets.all().get(i)) > 0) {
						got.add(i);
						assertThat(batch.receive(sockets.all().get(i))).as("nothing left").isZero();
					}
				}
				assertThat(got).as("client %d's datagrams all reach one socket", c).hasSize(1);
				used.addAll(got);
			}
			assertThat(used).as("16 senders over 3 sockets").hasSizeGreaterThan(1);
		} finally {
			clients.forEach(DatagramSocket::close);
			sockets.release();
		}
		assertThat(boundTo(port)).isZero();
	}

	/**
	 * One sender (one source port, so the kernel's hash alone would pick one socket for all) sends
	 * packets of several tunnel addresses: each reaches the socket its address picks.
	 */
	@Test
	void dataGoesToTheSocketItsTunnelAddressPicksWhateverPortItComesFrom() throws Exception {
		int port = freePort();
		UplinkSockets sockets = UplinkSockets.bind(settings(port, 3), null);
		try (DatagramSocket client = new DatagramSocket(0, Rig.LOOPBACK)) {
			assertThat(sockets.describe()).contains("(3 uplink sockets, data steered by lease,");
			MessageBatch batch = new MessageBatch(32, 2048, 0);
			List<Integer> picked = new ArrayList<>();
			for (int host = 2; host < 11; host++) {
				int source = 0x0A00_0000 | host; // 10.0.0.host
				client.send(new DatagramPacket(ipv4From(source), 28, Rig.LOOPBACK, port));
				int socket = receivedOn(sockets, batch);
				assertThat(socket).as("10.0.0.%d", host).isEqualTo((int) (Integer.toUnsignedLong(source) % 3));
				picked.add(socket);
			}
			assertThat(picked).as("9 leases in turn over 3 sockets").containsExactly(0, 1, 2, 0, 1, 2, 0, 1, 2);
			for (int host = 7; host < 10; host++) {
				client.send(new DatagramPacket(ipv6From(0x10000 + host), 40, Rig.LOOPBACK, port)); // fd00::1:<host>
				assertThat(receivedOn(sockets, batch)).as("fd00::1:%d", host).isEqualTo((0x10000 + host) % 3);
			}
			client.send(new DatagramPacket(new byte[] { 0x45, 0, 0, 8 }, 4, Rig.LOOPBACK, port));
			assertThat(receivedOn(sockets, batch)).as("too short to hold a source: the first socket").isZero();
		} finally {
			sockets.release();
		}
	}

	/** Sources that {@link TrafficBalance} moved reach the socket named for them, the others theirs by lease. */
	@Test
	void aMovedSourceReachesItsSocketUntilItIsMovedHomeAndTheOthersStayWhereTheirLeasePutsThem() throws Exception {
		int port = freePort();
		UplinkSockets sockets = UplinkSockets.bind(settings(port, 3), null);
		try (DatagramSocket client = new DatagramSocket(0, Rig.LOOPBACK)) {
			MessageBatch batch = new MessageBatch(32, 2048, 0);
			int moved = 0x0A00_0002; // home: 10.0.0.2 mod 3
			int home = (int) (Integer.toUnsignedLong(moved) % 3);
			int low6 = 0x0001_0007; // fd00::1:7
			assertThat(sockets.move(Map.of(moved, (home + 1) % 3, low6, 0))).isNull();
			for (int round = 0; round < 2; round++) { // the second after the set is steered again (an older set closed)
				client.send(new DatagramPacket(ipv4From(moved), 28, Rig.LOOPBACK, port));
				assertThat(receivedOn(sockets, batch)).as("10.0.0.2, moved").isEqualTo((home + 1) % 3);
				client.send(new DatagramPacket(ipv4From(moved + 1), 28, Rig.LOOPBACK, port));
				assertThat(receivedOn(sockets, batch)).as("10.0.0.3, by lease").isEqualTo((home + 1) % 3);
				client.send(new DatagramPacket(ipv6From(low6), 40, Rig.LOOPBACK, port));
				assertThat(receivedOn(sockets, batch)).as("fd00::1:7, moved off %d", low6 % 3).isZero();
				sockets.steer(0);
			}
			assertThat(sockets.move(Map.of())).isNull();
			client.send(new DatagramPacket(ipv4From(moved), 28, Rig.LOOPBACK, port));
			assertThat(receivedOn(sockets, batch)).as("10.0.0.2 home again").isEqualTo(home);
		} finally {
			sockets.release();
		}
	}

	@Test
	void aSocketSaysHowManyDatagramsTheKernelDroppedAtIt() throws Exception {
		UdpSocket socket = UdpSocket.bind(Rig.LOOPBACK, 0, 4096, true);
		try (DatagramSocket client = new DatagramSocket(0, Rig.LOOPBACK)) {
			assertThat(socket.drops()).isZero();
			for (int i = 0; i < 200; i++) { // 200 KB into a receive buffer of a few KiB, nobody reading
				client.send(new DatagramPacket(new byte[1000], 1000, Rig.LOOPBACK, socket.port()));
			}
			assertThat(socket.drops()).isBetween(150L, 200L);
		} finally {
			socket.release();
		}
	}

	@Test
	void aNewSetBesideTheOldOneGetsTheDataUntilTheOldOneClosesThenItSteersOverItself() throws Exception {
		int port = freePort();
		UplinkSockets old = UplinkSockets.bind(settings(port, 2), null);
		UplinkSockets next = UplinkSockets.bind(settings(port, 3), old);
		try (DatagramSocket client = new DatagramSocket(0, Rig.LOOPBACK)) {
			MessageBatch batch = new MessageBatch(32, 2048, 0);
			Map<Long, Integer> socketOfClass = new java.util.HashMap<>();
			for (int host = 2; host < 11; host++) {
				client.send(new DatagramPacket(ipv4From(0x0A00_0000 | host), 28, Rig.LOOPBACK, port));
				assertThat(receivedOn(old, batch)).as("10.0.0.%d on the old set", host).isEqualTo(-1);
				int on = receivedOn(next, batch);
				assertThat(socketOfClass.putIfAbsent(Integer.toUnsignedLong(0x0A00_0000 | host) % 3, on)).as("10.0.0.%d with its class", host)
						.isIn(null, on);
			}
			assertThat(new HashSet<>(socketOfClass.values())).as("a class to each new socket").hasSize(3).doesNotContain(-1);
			old.release();
			next.steer(0);
			for (int host = 2; host < 11; host++) { // the set is kept in the order the kernel leaves the group in
				client.send(new DatagramPacket(ipv4From(0x0A00_0000 | host), 28, Rig.LOOPBACK, port));
				assertThat(receivedOn(next, batch)).as("10.0.0.%d", host).isEqualTo((int) (Integer.toUnsignedLong(0x0A00_0000 | host) % 3));
			}
		} finally {
			next.release();
		}
	}

	@Test
	void aLeavingSocketsSlotGoesToTheGroupsLast() {
		assertThat(UplinkSockets.afterOlderLeave(0, List.of("a", "b"))).containsExactly("a", "b");
		assertThat(UplinkSockets.afterOlderLeave(1, List.of("a", "b", "c"))).containsExactly("c", "a", "b");
		assertThat(UplinkSockets.afterOlderLeave(2, List.of("a", "b", "c"))).containsExactly("c", "b", "a");
		assertThat(UplinkSockets.afterOlderLeave(3, List.of("a"))).containsExactly("a");
	}

	@Test
	void withoutTheProgramTheKernelsHashSteersOneSendersDataToOneSocket() throws Exception {
		int port = freePort();
		UplinkSockets sockets = UplinkSockets.bind(settings(port, 3), null);
		try (DatagramSocket client = new DatagramSocket(0, Rig.LOOPBACK)) {
			LeaseSteering.detach(sockets.first()); // as a revision does before it hands its sockets over
			MessageBatch batch = new MessageBatch(32, 2048, 0);
			Set<Integer> used = new HashSet<>();
			for (int host = 2; host < 11; host++) {
				client.send(new DatagramPacket(ipv4From(0x0A00_0000 | host), 28, Rig.LOOPBACK, port));
				used.add(receivedOn(sockets, batch));
			}
			assertThat(used).as("one sender, one socket").hasSize(1).doesNotContain(-1);
		} finally {
			sockets.release();
		}
	}

	/** A 28-byte IPv4 packet from {@code source} (only what steering reads is set). */
	private static byte[] ipv4From(int source) {
		byte[] p = new byte[28];
		p[0] = 0x45;
		ByteBuffer.wrap(p).putInt(12, source);
		return p;
	}

	/** A 40-byte IPv6 packet from fd00::{@code low} (only what steering reads is set). */
	private static byte[] ipv6From(int low) {
		byte[] p = new byte[40];
		p[0] = 0x60;
		p[8] = (byte) 0xfd;
		ByteBuffer.wrap(p).putInt(20, low);
		return p;
	}

	/** The index of the socket of {@code sockets} that received the one datagram sent, -1 if none; it is read, so none is left. */
	private static int receivedOn(UplinkSockets sockets, MessageBatch batch) throws IOException {
		int on = -1;
		for (int i = 0; i < sockets.size(); i++) {
			if (batch.receive(sockets.all().get(i)) > 0) {
				assertThat(on).as("one socket only").isEqualTo(-1);
				on = i;
			}
		}
		return on;
	}

	@Test
	void aPortAnySocketHoldsIsRefusedEvenOneWithSoReuseportLikeASecondGateway() throws Exception {
		UdpSocket other = UdpSocket.bind(Rig.LOOPBACK, 0, 1 << 16, true);
		try {
			assertThatThrownBy(() -> UplinkSockets.bind(settings(other.port(), 2), null)).isInstanceOf(UdpSocket.BindException.class)
					.hasMessageContaining("is in use by another socket");
			assertThat(boundTo(other.port())).as("nothing joined it").isOne();
		} finally {
			other.release();
		}
	}

	@Test
	void theTunnelsOwnPortIsJoinedByTheNextSetBeforeTheOldOneCloses() throws Exception {
		int port = freePort();
		UplinkSockets old = UplinkSockets.bind(settings(port, 1), null);
		UplinkSockets next = UplinkSockets.bind(settings(port, 2), old);
		assertThat(boundTo(port)).isEqualTo(3);
		old.release();
		assertThat(boundTo(port)).isEqualTo(2);
		next.release();
	}

	@Test
	void handedOverSocketsAreMadeAsManyAsConfigured() throws Exception {
		int port = freePort();
		UplinkSockets three = UplinkSockets.bind(settings(port, 3), null);
		UplinkSockets one = three.resized(settings(port, 1), log.logger);
		assertThat(one.all()).containsExactly(three.first());
		assertThat(boundTo(port)).as("the others closed").isOne();
		UplinkSockets four = one.resized(settings(port, 4), log.logger);
		assertThat(four.size()).isEqualTo(4);
		assertThat(boundTo(port)).isEqualTo(4);
		four.release();
	}

	@Test
	void aHandedOverSocketWithoutSoReuseportServesAloneAndAChangeOnItsPortSaysWhyItWaits() throws Exception {
		UdpSocket single = UdpSocket.bind(Rig.LOOPBACK, 0, 1 << 16); // as a revision before uplinks bound it
		UplinkSockets sockets = UplinkSockets.of(List.of(single)).resized(settings(single.port(), 2), log.logger);
		assertThat(sockets.size()).isOne();
		assertThat(log.at("WARN")).anyMatch(l -> l.startsWith("Tunnel serves with 1 of 2 uplink sockets until its next bind"));
		assertThatThrownBy(() -> UplinkSockets.bind(settings(single.port(), 3), sockets)).isInstanceOf(UdpSocket.BindException.class)
				.hasMessageContaining("was taken over from an earlier revision").hasMessageContaining("applies after a restart");
		assertThat(boundTo(single.port())).isOne();
		sockets.release();
	}
}

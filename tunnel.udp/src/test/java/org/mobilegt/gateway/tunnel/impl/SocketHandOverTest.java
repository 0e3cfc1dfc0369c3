package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramSocket;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.jna.Memory;

/**
 * The old revision's offer on its own (no framework): taken over, it stops the uplink at once and
 * gives the descriptor away open, then saves once the downlinks ended; given up, it closes the
 * socket; whichever comes first wins, once.
 */
class SocketHandOverTest {

	private Rig rig;
	private Pumps pumps;
	private final AtomicInteger saves = new AtomicInteger();
	/** Packets the old pumps had counted when they saved. */
	private volatile long savedRx = -1;
	private volatile long savedTx = -1;

	@BeforeEach
	void start() throws Exception {
		rig = new Rig(0);
		rig.session();
		pumps = new Pumps(rig.cell, rig.metrics, rig.control, rig.log.logger);
		pumps.uplinks(UplinkSockets.of(List.of(rig.socket)));
		pumps.downlinks(rig.tun);
		rig.cell.freeze();
		pumps.freeze();
	}

	@AfterEach
	void stop() throws Exception {
		pumps.stopDownlinks();
		pumps.stopUplinks();
		rig.close();
	}

	private SocketHandOver offer() {
		return new SocketHandOver(UplinkSockets.of(List.of(rig.socket)), new SocketHandOver.OldRevision(pumps, rig.control, () -> {
			savedRx = rig.metrics.rxPackets();
			savedTx = rig.metrics.txPackets();
			saves.incrementAndGet();
		}), rig.log.logger);
	}

	private static byte[] packet() {
		return Arrays.copyOf(PacketsTest.ipv4(60, 60).array(), 60);
	}

	@Test
	void frozenPumpsForwardUntilTakenOverThenTheTakerOwnsTheOpenSocket() throws Exception {
		pumps.detach(); // what SCR's unbind does after the deactivation: nothing to frozen pumps
		SocketHandOver offer = offer();
		rig.send(packet());
		assertThat(Rig.await(() -> rig.tun.written.size() == 1)).as("the old uplink still forwards").isTrue();

		CountDownLatch counted = new CountDownLatch(1);
		int fd = offer.applyAsInt(counted::countDown);
		assertThat(fd).isEqualTo(rig.socket.fd());
		assertThat(counted.await(10, TimeUnit.SECONDS)).as("counters saved, then the taker told").isTrue();
		assertThat(saves).hasValue(1);
		assertThat(savedRx).isOne();

		rig.send(packet());
		UdpSocket adopted = UdpSocket.adopt(fd, Rig.LOOPBACK, rig.socket.port(), 1 << 20);
		try {
			assertThat(adopted.awaitReadable(2000)).as("the descriptor was left open, the datagram waits in it")
					.isEqualTo(org.mobilegt.gateway.common.Wakeup.Ready.READABLE);
			assertThat(rig.tun.written).as("the old uplink stopped").hasSize(1);
			assertThat(offer.applyAsInt(() -> {
			})).as("taken once").isEqualTo(-1);
			offer.giveUp();
			assertThat(saves).as("no give-up after a take-over").hasValue(1);
			assertThat(adopted.awaitReadable(0)).isEqualTo(org.mobilegt.gateway.common.Wakeup.Ready.READABLE);
		} finally {
			adopted.release();
		}
	}

	@Test
	void theSocketIsHandedOverWithoutReceiveOffloadForARevisionThatCannotTakeMergedDatagramsApart() throws Exception {
		assertThat(rig.socket.receiveOffload(true)).isTrue();
		assertThat(groOption(rig.socket.fd())).as("on while the old revision serves").isOne();
		CountDownLatch counted = new CountDownLatch(1);
		int fd = offer().applyAsInt(counted::countDown);
		assertThat(counted.await(10, TimeUnit.SECONDS)).isTrue();

		assertThat(groOption(fd)).as("UDP_GRO of the descriptor handed over").isZero();
		UdpSocket.adopt(fd, Rig.LOOPBACK, rig.socket.port(), 1 << 20).release();
	}

	/** What a taker that knows {@link SocketHandOver#FDS} passes: it takes every descriptor. */
	private static final class TakesAll implements Runnable, BooleanSupplier {
		final CountDownLatch counted = new CountDownLatch(1);

		@Override
		public void run() {
			counted.countDown();
		}

		@Override
		public boolean getAsBoolean() {
			return true;
		}
	}

	@Test
	void everyUplinkSocketIsHandedOverOpenToATakerThatTakesThemAll() throws Exception {
		pumps.stopUplinks();
		UdpSocket second = UdpSocket.bind(Rig.LOOPBACK, 0, 1 << 16);
		assertThat(second.receiveOffload(true)).isTrue();
		TakesAll taker = new TakesAll();
		int fd = offer(second).applyAsInt(taker);
		assertThat(taker.counted.await(10, TimeUnit.SECONDS)).isTrue();

		assertThat(fd).isEqualTo(rig.socket.fd());
		assertThat(groOption(second.fd())).as("the second descriptor is open, receive offload off").isZero();
		second.release();
		assertThat(groOption(second.fd())).as("released after the hand-over: left open for the taker").isZero();
		UdpSocket.adopt(second.fd(), Rig.LOOPBACK, second.port(), 1 << 16).release();
		UdpSocket.adopt(fd, Rig.LOOPBACK, rig.socket.port(), 1 << 20).release();
	}

	@Test
	void aTakerThatKnowsOnlyTheFirstDescriptorGetsItAndTheOthersAreClosed() throws Exception {
		pumps.stopUplinks();
		UdpSocket second = UdpSocket.bind(Rig.LOOPBACK, 0, 1 << 16);
		CountDownLatch counted = new CountDownLatch(1);
		int fd = offer(second).applyAsInt(counted::countDown); // a plain Runnable, as a revision before several uplinks passes
		assertThat(counted.await(10, TimeUnit.SECONDS)).isTrue();

		assertThat(fd).isEqualTo(rig.socket.fd());
		assertThat(UplinkSocketsTest.boundTo(second.port())).as("no socket left on the port unread").isZero();
		UdpSocket.adopt(fd, Rig.LOOPBACK, rig.socket.port(), 1 << 20).release();
	}

	private SocketHandOver offer(UdpSocket second) {
		return new SocketHandOver(UplinkSockets.of(List.of(rig.socket, second)), new SocketHandOver.OldRevision(pumps, rig.control, () -> {
		}), rig.log.logger);
	}

	private static int groOption(int fd) {
		try (Memory v = new Memory(4); Memory length = new Memory(4)) {
			length.setInt(0, 4);
			assertThat(Sockets.getsockopt(fd, Sockets.SOL_UDP, Sockets.UDP_GRO, v, length)).as("getsockopt UDP_GRO").isZero();
			return v.getInt(0);
		}
	}

	@Test
	void aStoppingDownlinkSendsWhatItReadBeforeTheCountersAreSaved() throws Exception {
		Fakes.FakeSession session = rig.sessions.byEndpoint.values().iterator().next();
		SocketHandOver offer = offer();
		CountDownLatch counted = new CountDownLatch(1);
		int fd = offer.applyAsInt(counted::countDown);
		assertThat(fd).isNotNegative();
		byte[] reply = Arrays.copyOf(PacketsTest.ipv4(60, 60).putInt(12, 0x08080808).putInt(16, session.tunnelAddress()).array(), 60);
		rig.tun.toRead.add(reply); // read by the stopping downlink in its last poll
		assertThat(counted.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(rig.receive()).as("sent by the old downlink on the handed-over descriptor").hasSize(60);
		assertThat(savedTx).as("and counted before the save").isOne();
		assertThat(rig.metrics.txPackets()).isOne();
		rig.socket.release(); // frees nothing: the descriptor is the taker's
		UdpSocket.adopt(fd, Rig.LOOPBACK, rig.socket.port(), 1 << 20).release();
	}

	@Test
	void givenUpItStopsAndClosesTheSocketAndNoLaterTakerGetsIt() throws Exception {
		SocketHandOver offer = offer();
		offer.giveUp();
		assertThat(saves).hasValue(1);
		assertThat(offer.applyAsInt(() -> {
		})).isEqualTo(-1);
		try (DatagramSocket again = new DatagramSocket(rig.socket.port(), Rig.LOOPBACK)) {
			assertThat(again.getLocalPort()).as("the port is free: the socket was closed").isEqualTo(rig.socket.port());
		}
		rig.send(packet());
		Thread.sleep(100);
		assertThat(rig.tun.written).as("the pumps stopped").isEmpty();
	}
}

package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.common.Daemons;

/**
 * The uplink and the downlink of a one-queue device with a real poll descriptor ({@link PolledTun})
 * passing the TUN's {@link Turn} between them on their own threads. Their waits last a minute,
 * so a lost wake-up leaves a packet unread and the test fails, rather than making it late.
 */
class SharedTurnTest {

	private static final int LONG_WAIT_MILLIS = 60_000;

	private Rig rig;
	private PolledTun tun;
	private Kick kick;
	private Turn turn;
	private UplinkPump uplink;
	private DownlinkPump downlink;
	private Thread uplinkThread;
	private Thread downlinkThread;

	private void start() throws Exception {
		rig = new Rig(0);
		rig.session();
		tun = new PolledTun();
		rig.cell.set(rig.cell.get().withTun(tun));
		kick = new Kick();
		turn = Turn.of(tun, kick, true);
		uplink = new UplinkPump(rig.cell, rig.socket, 0, rig.metrics, rig.control, rig.log.logger, () -> turn, kick)
				.waitMillis(LONG_WAIT_MILLIS);
		downlink = new DownlinkPump(rig.cell, tun, 0, rig.metrics, rig.log.logger, turn).waitMillis(LONG_WAIT_MILLIS);
		uplinkThread = Daemons.start(uplink, "test-uplink");
		downlinkThread = Daemons.start(downlink, "test-downlink");
	}

	@AfterEach
	void stop() throws Exception {
		uplink.stop();
		rig.socket.close(); // wakes the uplink
		downlink.stop(); // unparks the downlink
		tun.toRead.add(toClient(0)); // or ends its wait in the fake's read
		uplinkThread.join(10_000);
		downlinkThread.join(10_000);
		rig.close();
		kick.close();
		tun.close();
	}

	/** A packet from the internet to the client's lease, marked {@code n}. */
	private static byte[] toClient(int n) {
		ByteBuffer p = PacketsTest.ipv4(64, 64).putInt(12, 0x08080808).putInt(16, Rig.LEASE).putInt(40, n);
		return p.array();
	}

	private long sent() {
		return rig.metrics.txPackets();
	}

	/** One packet at a time, each sent on before the next comes: request/response load. */
	private void oneByOne(int count) throws InterruptedException {
		for (int i = 0; i < count; i++) {
			long before = sent();
			tun.offer(toClient(i));
			assertThat(Rig.await(() -> sent() == before + 1)).as("packet %d sent on", i).isTrue();
		}
	}

	@Test
	void atLowLoadTheDownlinkPassesTheTurnAndTheUplinkReadsTheTun() throws Exception {
		start();
		oneByOne(Turn.QUIET);
		assertThat(Rig.await(turn::uplinkReads)).as("after %d quiet stretches", Turn.QUIET).isTrue();
		long byDownlink = rig.metrics.downlink[0].packets();
		assertThat(byDownlink).isEqualTo(Turn.QUIET);

		oneByOne(10);
		assertThat(rig.metrics.turn.packets()).as("read and sent by the uplink").isEqualTo(10);
		assertThat(rig.metrics.downlink[0].packets()).as("the downlink is parked").isEqualTo(byDownlink);
		assertThat(downlinkThread.getState()).isEqualTo(Thread.State.TIMED_WAITING);
	}

	/**
	 * The uplink has the turn, after the downlink's quiet stretches, and has cleared the kick: a
	 * datagram from now on is handled in a pass that knows the turn is its own.
	 */
	private void uplinkTurn() throws InterruptedException {
		oneByOne(Turn.QUIET);
		assertThat(Rig.await(turn::uplinkReads)).isTrue();
		assertThat(Rig.await(this::kickCleared)).isTrue();
	}

	private boolean kickCleared() {
		try {
			return Files.readString(Path.of("/proc/self/fdinfo/" + kick.fd())).matches("(?s).*eventfd-count:\\s+0\\b.*");
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** The client sends one packet (to the internet), and it is written to the TUN. */
	private void request(int n) throws Exception {
		int before = tun.written.size();
		rig.send(PacketsTest.ipv4(64, 64).putInt(16, 0x08080808).putInt(40, n));
		assertThat(Rig.await(() -> tun.written.size() == before + 1)).as("request %d written", n).isTrue();
	}

	@Test
	void aLoneReplyMadeInsideTheWriteIsReadWithoutWaitingAndNoEmptyReadFollows() throws Exception {
		start();
		uplinkTurn();
		AtomicInteger emptyReads = new AtomicInteger();
		tun.onEmptyRead = emptyReads::incrementAndGet;
		tun.echo = new byte[][] {toClient(1)}; // never reported by the poll descriptor: a wait for it lasts a minute
		int reads = tun.readTimeouts.size();
		long before = sent();

		request(1);
		assertThat(Rig.await(() -> sent() == before + 1)).as("the first reply sent on").isTrue();
		request(2); // handled after the wait that followed the first reply
		assertThat(Rig.await(() -> sent() == before + 2)).as("the second reply sent on").isTrue();

		assertThat(rig.metrics.turn.packets()).as("read by the uplink").isEqualTo(2);
		assertThat(tun.readTimeouts).as("one read a round trip, none empty").hasSize(reads + 2);
		assertThat(emptyReads).hasValue(0);
	}

	@Test
	void repliesLeftAfterTheFirstAreReadOnceTheWaitReportsThem() throws Exception {
		start();
		uplinkTurn();
		tun.echo = new byte[][] {toClient(1), toClient(2), toClient(3)};
		tun.echoPolls = true;
		long before = sent();

		request(1);

		assertThat(Rig.await(() -> sent() == before + 3)).as("all three replies sent on").isTrue();
		assertThat(rig.metrics.turn.packets()).as("read by the uplink").isEqualTo(3);
		assertThat(tun.toRead).isEmpty();
		assertThat(rig.metrics.drops()).isEmpty();
	}

	@Test
	void oneWayTrafficReadsTheTunAfterOneWriteInAProbeOnly() throws Exception {
		start();
		uplinkTurn();
		int reads = tun.readTimeouts.size();
		int writes = 2 * ReplyProbe.PROBE + 2;
		for (int i = 0; i < writes; i++) {
			request(i);
		}
		// the first write's read misses; then only every PROBE-th write is followed by one
		assertThat(Rig.await(() -> tun.readTimeouts.size() == reads + 3)).isTrue();
		assertThat(tun.readTimeouts).hasSize(reads + 3);
		assertThat(rig.metrics.drops()).isEmpty();
	}

	@Test
	void aFullBatchFromTheTunGivesTheTurnBackToTheDownlink() throws Exception {
		start();
		uplinkTurn();
		byte[][] burst = new byte[3 * UplinkPump.BATCH][];
		for (int i = 0; i < burst.length; i++) {
			burst[i] = toClient(i);
		}
		long before = sent();
		tun.offerAll(burst);

		assertThat(Rig.await(() -> sent() == before + burst.length)).isTrue();
		assertThat(turn.role()).isEqualTo(Turn.DOWNLINK);
		assertThat(rig.metrics.turn.packets()).as("the uplink's one batch").isEqualTo(UplinkPump.BATCH);
		assertThat(rig.metrics.downlink[0].packets()).isEqualTo(Turn.QUIET + 2L * UplinkPump.BATCH);
		assertThat(tun.toRead).isEmpty();
	}

	@Test
	void aBulkSegmentGivesTheTurnBackAtOnce() throws Exception {
		start();
		uplinkTurn();
		ByteBuffer bulk = PacketsTest.ipv4(Turn.BULK_BYTES, Turn.BULK_BYTES).putInt(12, 0x08080808).putInt(16, Rig.LEASE);
		long before = sent();
		tun.offer(bulk.array());

		assertThat(Rig.await(() -> sent() == before + 1)).isTrue();
		assertThat(rig.metrics.turn.packets()).as("read by the uplink").isOne();
		assertThat(Rig.await(() -> turn.role() == Turn.DOWNLINK)).isTrue();
	}

	@Test
	void roleSwitchesRacingArrivingPacketsLoseNoPacketAndReadNoneTwice() throws Exception {
		start();
		AtomicBoolean racing = new AtomicBoolean(true);
		// Switches at any moment, as the pumps' own ones may fall: both ways, each with its wake-up.
		Thread switcher = Daemons.start(() -> {
			ThreadLocalRandom random = ThreadLocalRandom.current();
			while (racing.get()) {
				if (random.nextBoolean()) {
					turn.toUplink();
				} else {
					turn.toDownlink();
				}
				LockSupport.parkNanos(random.nextInt(1, 200_000));
			}
		}, "test-switcher");
		int total = 0;
		ThreadLocalRandom random = ThreadLocalRandom.current();
		for (int round = 0; round < 40; round++) {
			byte[][] burst = new byte[random.nextInt(1, 3 * UplinkPump.BATCH)][];
			for (int i = 0; i < burst.length; i++) {
				burst[i] = toClient(total++);
			}
			tun.offerAll(burst);
			for (int i = 0; i < 2 * Turn.QUIET; i++) {
				tun.offer(toClient(total++));
				if (random.nextInt(4) == 0) {
					LockSupport.parkNanos(random.nextInt(1, 100_000));
				}
			}
		}
		int expected = total;
		boolean allSent = Rig.await(() -> sent() == expected);
		racing.set(false);
		switcher.join();

		assertThat(allSent).as("%d of %d packets sent on", sent(), expected).isTrue();
		assertThat(tun.toRead).isEmpty();
		assertThat(rig.metrics.turn.packets() + rig.metrics.downlink[0].packets()).isEqualTo(expected);
		assertThat(rig.metrics.turn.packets()).as("the uplink read some").isPositive();
		assertThat(rig.metrics.downlink[0].packets()).as("the downlink read some").isPositive();
		assertThat(rig.metrics.drops()).isEmpty();
	}
}

package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.common.Daemons;
import org.mobilegt.gateway.common.Wakeup;
import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.tunnel.api.Direction;
import org.mobilegt.gateway.tunnel.api.DropReason;

import com.sun.jna.Memory;

/** The UDP to TUN direction through a real socket on loopback and a fake TUN device: what an attacker sends. */
class UplinkPumpTest {

	private Rig rig;
	private UplinkPump pump;
	/** A client that sends with UDP GSO ({@link #startMerging}), if any. */
	private UdpSocket merging;

	private void start(int offloadHeader) throws IOException {
		rig = new Rig(offloadHeader);
		pump = new UplinkPump(rig.cell, rig.socket, 0, rig.metrics, rig.control, rig.log.logger);
	}

	@AfterEach
	void close() throws Exception {
		if (merging != null) {
			merging.release();
		}
		rig.close();
	}

	/** Sends the datagrams and lets the pump handle them, on this thread. */
	private void deliver(byte[]... datagrams) throws Exception {
		for (byte[] d : datagrams) {
			rig.send(d);
		}
		int handled = 0;
		long deadline = System.nanoTime() + Rig.WAIT_NANOS;
		while (handled < datagrams.length && System.nanoTime() < deadline) {
			rig.socket.awaitReadable(100);
			handled += pump.receive();
		}
		assertThat(handled).as("datagrams the pump received").isEqualTo(datagrams.length);
	}

	private static byte[] bytes(ByteBuffer p) {
		byte[] b = new byte[p.remaining()];
		p.get(p.position(), b);
		return b;
	}

	private static byte[] packet(int length) {
		return bytes(PacketsTest.ipv4(length, length));
	}

	@Test
	void dataFromTheLeaseIsWrittenAndCountedOnceWritten() throws Exception {
		start(0);
		Fakes.FakeSession session = rig.session();
		deliver(packet(60), packet(100));

		assertThat(rig.tun.written).hasSize(2);
		assertThat(rig.tun.written.get(0)).isEqualTo(packet(60));
		assertThat(rig.metrics.rxPackets()).isEqualTo(2);
		assertThat(rig.metrics.rxBytes()).isEqualTo(160);
		assertThat(session.rxPackets()).isEqualTo(2);
		assertThat(session.rxBytes()).isEqualTo(160);
		assertThat(rig.metrics.drops()).isEmpty();
	}

	@Test
	void withOffloadsAPlainPacketGoesBehindAZeroHeader() throws Exception {
		start(Offload.HEADER);
		rig.session();
		deliver(packet(60));

		assertThat(rig.tun.written).singleElement().satisfies(w -> {
			assertThat(w).hasSize(Offload.HEADER + 60);
			assertThat(ByteBuffer.wrap(w, 0, Offload.HEADER).slice()).isEqualTo(ByteBuffer.allocate(Offload.HEADER));
		});
	}

	@Test
	void aSpoofedSourceIsDroppedAndRecordedWithTheLease() throws Exception {
		start(0);
		Fakes.FakeSession session = rig.session();
		ByteBuffer spoofed = PacketsTest.ipv4(60, 60).putInt(12, Rig.LEASE + 1);
		deliver(bytes(spoofed));

		assertThat(rig.tun.written).isEmpty();
		assertThat(rig.drops(DropReason.SPOOFED)).isOne();
		assertThat(session.drops()).isOne();
		assertThat(session.rxPackets()).isZero();
		assertThat(session.lastReceivedMillis()).as("still alive").isPositive();
		assertThat(rig.keys.records).singleElement().asString().startsWith("SPOOFED 127.0.0.1:" + rig.client.getLocalPort())
				.contains("source 10.77.0.3 is not the lease 10.77.0.2");
	}

	@Test
	void ipv6FromTheIpv6LeaseIsWrittenAndAnyOtherSourceIsSpoofed() throws Exception {
		start(Offload.HEADER);
		Fakes.FakeSession session = rig.sessions.add6(rig.session(), Ipv6Test.HI, Ipv6Test.LO);
		ByteBuffer spoofed = Ipv6Test.udp(20).putLong(16, Ipv6Test.LO + 1);
		deliver(bytes(Ipv6Test.udp(20)), bytes(spoofed));

		assertThat(rig.tun.written).singleElement().satisfies(w -> {
			assertThat(w).hasSize(Offload.HEADER + Ipv6.HEADER + 28);
			assertThat(ByteBuffer.wrap(w, 0, Offload.HEADER).slice()).as("the header stays zero").isEqualTo(ByteBuffer.allocate(Offload.HEADER));
		});
		assertThat(session.rxPackets()).isOne();
		assertThat(rig.drops(DropReason.SPOOFED)).isOne();
		assertThat(rig.keys.records).singleElement().asString().startsWith("SPOOFED 127.0.0.1:" + rig.client.getLocalPort())
				.contains("source fd00:4d::3 is not the lease fd00:4d::2");
	}

	@Test
	void aClientKernelsLinkChatterIsDroppedWithoutAnAttempt() throws Exception {
		start(0);
		Fakes.FakeSession session = rig.sessions.add6(rig.session(), Ipv6Test.HI, Ipv6Test.LO);
		ByteBuffer solicitation = Ipv6Test.udp(20).putLong(8, 0xFE80_0000_0000_0000L).putLong(16, 0x690E_05AD_832F_43C8L);
		ByteBuffer spoofed = Ipv6Test.udp(20).putLong(16, Ipv6Test.LO + 1);
		deliver(bytes(solicitation), bytes(spoofed));

		assertThat(rig.tun.written).isEmpty();
		assertThat(rig.drops(DropReason.LINK_LOCAL)).isOne();
		assertThat(rig.drops(DropReason.SPOOFED)).isOne();
		assertThat(session.drops()).isEqualTo(2);
		assertThat(rig.keys.records).as("only the spoofed one is an attempt").singleElement().asString()
				.startsWith("SPOOFED 127.0.0.1:");
	}

	@Test
	void ipv6FromASessionWithoutAnIpv6LeaseIsDroppedAsIpv6() throws Exception {
		start(0);
		Fakes.FakeSession session = rig.session();
		deliver(bytes(Ipv6Test.udp(20)));

		assertThat(rig.tun.written).isEmpty();
		assertThat(rig.metrics.drops()).containsEntry(DropReason.IPV6, 1L).hasSize(1);
		assertThat(session.drops()).isOne();
		assertThat(rig.keys.records).as("not an attempt: IPv6 is off").isEmpty();
	}

	@Test
	void malformedPacketsAreDroppedForWhatIsWrongWithThem() throws Exception {
		start(0);
		Fakes.FakeSession session = rig.session();
		byte[] v6 = packet(60);
		v6[0] = 0x60;
		byte[] junk = packet(60);
		junk[0] = 0x15;
		byte[] cut = bytes(PacketsTest.ipv4(100, 60));
		rig.tun.mtu = 576;
		deliver(new byte[0], v6, junk, cut, packet(600));

		assertThat(rig.tun.written).isEmpty();
		assertThat(rig.metrics.drops()).containsEntry(DropReason.TRUNCATED, 2L).containsEntry(DropReason.IPV6, 1L)
				.containsEntry(DropReason.NOT_IP, 1L).containsEntry(DropReason.OVERSIZED, 1L).hasSize(4);
		assertThat(session.drops()).as("the empty datagram is nobody's").isEqualTo(4);
	}

	@Test
	void withoutADeviceOrSessionManagerNothingIsForwarded() throws Exception {
		start(0);
		rig.session();
		rig.cell.set(rig.cell.get().withTun(null));
		deliver(packet(60));
		rig.cell.set(rig.cell.get().withSessions(null));
		deliver(packet(60));

		assertThat(rig.drops(DropReason.NO_TUN)).isOne();
		assertThat(rig.drops(DropReason.NO_SERVICE)).isOne();
		assertThat(rig.tun.written).isEmpty();
	}

	@Test
	void aClientOverItsShareLosesTheExcessAndTheOperatorIsToldOnce() throws Exception {
		start(0);
		Fakes.FakeSession session = rig.session();
		session.share.set(1);
		deliver(packet(60), packet(60), packet(60));

		assertThat(rig.tun.written).hasSize(1);
		assertThat(rig.drops(DropReason.RATE_LIMITED)).isEqualTo(2);
		assertThat(session.drops()).isEqualTo(2);
		assertThat(rig.log.at("WARN")).singleElement().asString().contains("more than its share");
	}

	@Test
	void aFailedTunWriteCountsADropNotAForward() throws Exception {
		start(0);
		Fakes.FakeSession session = rig.session();
		rig.tun.failWrites = true;
		deliver(packet(60));

		assertThat(rig.drops(DropReason.TUN_WRITE_ERROR)).isOne();
		assertThat(rig.metrics.rxPackets()).isZero();
		assertThat(session.rxPackets()).isZero();
		assertThat(session.drops()).isOne();
		assertThat(rig.log.at("ERROR")).singleElement().asString().startsWith("Write to the TUN device failed");
	}

	private static byte[][] segments(int count) {
		byte[][] out = new byte[count][];
		for (int i = 0; i < count; i++) {
			ByteBuffer s = CoalescerTest.segment(40000, i * 1000, 1000, 0x10 | (i == count - 1 ? 0x08 : 0));
			out[i] = bytes(s);
		}
		return out;
	}

	@Test
	void coalescedSegmentsAreCountedOnceAfterTheirWrite() throws Exception {
		start(Offload.HEADER);
		Fakes.FakeSession session = rig.session();
		deliver(segments(3));

		assertThat(rig.tun.written).as("one write for the three").hasSize(1);
		assertThat(rig.metrics.rxPackets()).isEqualTo(3);
		assertThat(rig.metrics.rxBytes()).isEqualTo(3 * (52 + 1000));
		assertThat(session.rxPackets()).isEqualTo(3);
		assertThat(session.rxBytes()).isEqualTo(3 * (52 + 1000));
	}

	@Test
	void coalescedSegmentsWhoseWriteFailsAreOnlyDropped() throws Exception {
		start(Offload.HEADER);
		Fakes.FakeSession session = rig.session();
		rig.tun.failWrites = true;
		deliver(segments(3));

		assertThat(rig.drops(DropReason.TUN_WRITE_ERROR)).isEqualTo(3);
		assertThat(rig.metrics.rxPackets()).as("not counted before the write as well").isZero();
		assertThat(session.rxPackets()).isZero();
		assertThat(session.drops()).isEqualTo(3);
	}

	/**
	 * Starts the rig with UDP GRO {@code gro} and a client that sends with UDP GSO in datagrams of
	 * {@code segmentSize}, on loopback: the kernel hands a GSO send to a socket with receive offload
	 * as one message, as a NIC's GRO does with a burst. The client's session holds the lease.
	 */
	private Fakes.FakeSession startMerging(int offloadHeader, boolean gro, int segmentSize) throws IOException {
		start(offloadHeader);
		rig.socket.receiveOffload(true); // "off" is then turned off, not the kernel's default
		assertThat(rig.socket.receiveOffload(gro)).as("UDP GRO on this kernel").isEqualTo(gro);
		merging = UdpSocket.bind(Rig.LOOPBACK, 0, 1 << 20);
		try (Memory v = new Memory(4)) {
			v.setInt(0, segmentSize);
			assertThat(Sockets.setsockopt(merging.fd(), Sockets.SOL_UDP, Sockets.UDP_SEGMENT, v, 4)).as("UDP_SEGMENT").isZero();
		}
		return rig.sessions.add(EndpointKey.key(0x7F000001, merging.port()), Rig.LEASE);
	}

	/** Sends the datagrams, all but the last of one size, in one send, and lets the pump receive once. */
	private int deliverMerged(byte[]... datagrams) throws Exception {
		sendMerged(datagrams);
		assertThat(rig.socket.awaitReadable(10_000)).isEqualTo(Wakeup.Ready.READABLE);
		return pump.receive();
	}

	/** One GSO send: on loopback it is in the receiving socket's queue when the call returns. */
	private void sendMerged(byte[]... datagrams) {
		MessageBatch send = new MessageBatch(1, UplinkPump.SLOT);
		ByteBuffer slot = send.next();
		for (byte[] d : datagrams) {
			slot.put(d);
		}
		send.commit(slot.position(), EndpointKey.key(0x7F000001, rig.socket.port()));
		assertThat(send.flush(merging)).as("refused").isZero();
	}

	@Test
	void aMergedMessageInTheEntryOfAnEarlierPlainDatagramStillSaysItsSegmentSize() throws Exception {
		// the receive that filled entry 0 left it room for no control message: it must be re-armed
		Fakes.FakeSession session = startMerging(Offload.HEADER, true, 200);
		assertThat(deliverMerged(packet(120))).as("messages received").isOne();
		assertThat(deliverMerged(packet(200), packet(200), packet(120))).as("messages received").isOne();

		assertThat(rig.tun.written).hasSize(4);
		assertThat(session.rxPackets()).isEqualTo(4);
		assertThat(rig.metrics.rxBytes()).isEqualTo(120 + 2 * 200 + 120);
	}

	@Test
	void datagramsTheKernelMergedAreEachCheckedAndWrittenBehindTheirOwnZeroHeader() throws Exception {
		Fakes.FakeSession session = startMerging(Offload.HEADER, true, 200);
		byte[] spoofed = packet(200);
		ByteBuffer.wrap(spoofed).putInt(12, Rig.LEASE + 1);
		byte[] last = packet(120);
		assertThat(deliverMerged(packet(200), packet(200), spoofed, packet(200), last)).as("messages received").isOne();

		assertThat(rig.tun.written).hasSize(4).allSatisfy(w -> assertThat(ByteBuffer.wrap(w, 0, Offload.HEADER).slice())
				.as("zero header").isEqualTo(ByteBuffer.allocate(Offload.HEADER)));
		assertThat(rig.tun.written.get(2)).endsWith(packet(200));
		assertThat(rig.tun.written.get(3)).hasSize(Offload.HEADER + 120).endsWith(last);
		assertThat(rig.drops(DropReason.SPOOFED)).isOne();
		assertThat(session.rxPackets()).isEqualTo(4);
		assertThat(rig.metrics.rxBytes()).isEqualTo(3 * 200 + 120);
	}

	@Test
	void mergedTcpSegmentsAreCoalescedIntoOneWrite() throws Exception {
		Fakes.FakeSession session = startMerging(Offload.HEADER, true, 52 + 1000);
		assertThat(deliverMerged(segments(4))).isOne();

		assertThat(rig.tun.written).as("one write for the four, from the copies intact").hasSize(1);
		assertThat(rig.tun.written.get(0)).hasSize(Offload.HEADER + 52 + 4 * 1000);
		assertThat(session.rxPackets()).isEqualTo(4);
		assertThat(rig.metrics.drops()).isEmpty();
	}

	@Test
	void tcpSegmentsOfOneFlowCoalesceAcrossTheMergedMessagesOfABatch() throws Exception {
		Fakes.FakeSession session = startMerging(Offload.HEADER, true, 52 + 1000);
		byte[][] flow = segments(8);
		sendMerged(Arrays.copyOfRange(flow, 0, 3));
		sendMerged(Arrays.copyOfRange(flow, 3, 8));
		assertThat(rig.socket.awaitReadable(10_000)).isEqualTo(Wakeup.Ready.READABLE);
		assertThat(pump.receive()).as("messages in one receive").isEqualTo(2);

		assertThat(rig.tun.written).as("one write for the eight").singleElement().satisfies(w -> {
			assertThat(w).hasSize(Offload.HEADER + 52 + 8 * 1000);
			for (int i = 0; i < 8; i++) {
				assertThat(Arrays.copyOfRange(w, Offload.HEADER + 52 + i * 1000, Offload.HEADER + 52 + (i + 1) * 1000))
						.as("payload of segment %d", i).isEqualTo(Arrays.copyOfRange(flow[i], 52, 1052));
			}
		});
		assertThat(session.rxPackets()).isEqualTo(8);
	}

	@Test
	void withoutReceiveOffloadTheKernelHandsOverEachDatagramAlone() throws Exception {
		startMerging(0, false, 200);
		assertThat(deliverMerged(packet(200), packet(200), packet(200))).as("messages in the first receive").isEqualTo(3);
		assertThat(rig.tun.written).hasSize(3);
	}

	@Test
	void withOffloadsATcpPacketWithoutItsHeaderIsTruncatedBeforeItSpendsTheShare() throws Exception {
		start(Offload.HEADER);
		Fakes.FakeSession session = rig.session();
		session.share.set(1);
		ByteBuffer p = PacketsTest.ipv4(30, 30);
		p.put(9, (byte) 6);
		deliver(bytes(p), packet(60));

		assertThat(rig.drops(DropReason.TRUNCATED)).isOne();
		assertThat(rig.tun.written).hasSize(1);
	}

	@Test
	void keepalivesShowLifeAndFromAStrangerAreAnIllegalAttempt() throws Exception {
		start(0);
		Fakes.FakeSession session = rig.session();
		deliver(new byte[] { 0 });
		assertThat(rig.metrics.keepalivesIn.sum()).isOne();
		assertThat(session.lastReceivedMillis()).isPositive();

		rig.sessions.close(session, null);
		deliver(new byte[] { 0 });
		assertThat(rig.drops(DropReason.UNKNOWN_ENDPOINT)).isOne();
		assertThat(rig.keys.records).singleElement().asString().startsWith("UNKNOWN_ENDPOINT");
		assertThat(rig.receive()).as("no hint to a stranger").isNull();
	}

	private static final byte[] HINT = TunnelSettings.REHANDSHAKE;

	@Test
	void aRecentlyClosedClientIsHintedOncePerSecond() throws Exception {
		start(0);
		rig.sessions.recentlyClosed.add(rig.endpoint);
		deliver(packet(60), packet(60));

		assertThat(rig.drops(DropReason.UNKNOWN_ENDPOINT)).isEqualTo(2);
		assertThat(rig.receive()).isEqualTo(HINT);
		assertThat(rig.receive()).as("the reply budget: one hint a second").isNull();
		assertThat(rig.metrics.hints.sum()).isOne();
		assertThat(rig.keys.records).as("not an illegal attempt").isEmpty();
	}

	@Test
	void aClientWhoseNatChangedItsPortIsToldToHandshakeAgain() throws Exception {
		start(0);
		rig.sessions.add(EndpointKey.key(0x7F000001, rig.client.getLocalPort() ^ 1), Rig.LEASE);
		deliver(packet(60));

		assertThat(rig.drops(DropReason.REBINDING)).isOne();
		assertThat(rig.receive()).isEqualTo(HINT);
		assertThat(rig.tun.written).isEmpty();
	}

	@Test
	void aLeaseHeldFromAnotherAddressIsNoRebinding() throws Exception {
		start(0);
		rig.sessions.add(EndpointKey.key(0x7F000002, rig.client.getLocalPort()), Rig.LEASE);
		deliver(packet(60));

		assertThat(rig.drops(DropReason.UNKNOWN_ENDPOINT)).isOne();
		assertThat(rig.receive()).isNull();
		assertThat(rig.keys.records).hasSize(1);
	}

	@Test
	void handshakesGoToControlUnlessBlockedOrTooLong() throws Exception {
		start(0);
		deliver("\0secret".getBytes(StandardCharsets.US_ASCII));
		byte[] reply = rig.receive();
		for (int i = 0; reply == null && i < 50; i++) {
			reply = rig.receive();
		}
		assertThat(reply).as("the handshake reply").isNotNull().hasSize(TunnelSettings.REPLY_SIZE);
		assertThat(rig.metrics.handshakesOk.sum()).isOne();

		byte[] tooLong = new byte[Control.MAX_HANDSHAKE + 1];
		deliver(tooLong);
		assertThat(rig.drops(DropReason.MALFORMED)).isOne();
		rig.keys.blocked.add(Rig.LOOPBACK);
		int checks = rig.keys.checks.get();
		deliver("\0secret".getBytes(StandardCharsets.US_ASCII));
		assertThat(rig.drops(DropReason.THROTTLED)).isOne();
		assertThat(rig.keys.checks.get()).as("no work for a blocked source").isEqualTo(checks);
	}

	@Test
	void everyTimedPacketIsMeasuredFromItsReceive() throws Exception {
		start(0);
		rig.session();
		byte[][] many = new byte[TunnelMetrics.SAMPLE_MASK + 1][];
		Arrays.fill(many, packet(60));
		deliver(many);

		assertThat(rig.metrics.latency(Direction.FROM_CLIENT).samples()).isOne();
	}

	@Test
	void aNewDeviceIsUsedFromTheNextBatchAndQuiesceWaitsForTheRunningOne() throws Exception {
		start(0);
		rig.session();
		Fakes.HeldTun slow = new Fakes.HeldTun();
		rig.cell.set(rig.cell.get().withTun(slow));
		Thread thread = Daemons.start(pump, "test-uplink");
		try {
			rig.send(packet(60));
			assertThat(slow.writing.await(10, TimeUnit.SECONDS)).isTrue();

			Fakes.FakeTun next = new Fakes.FakeTun(0);
			rig.cell.set(rig.cell.get().withTun(next));
			CompletableFuture<Void> quiesced = CompletableFuture.runAsync(pump::quiesce);
			Thread.sleep(50);
			assertThat(quiesced).as("the batch writing to the old device still runs").isNotDone();
			slow.release.countDown();
			quiesced.get(10, TimeUnit.SECONDS);
			assertThat(slow.written).hasSize(1);

			rig.send(packet(60));
			assertThat(Rig.await(() -> next.written.size() == 1)).isTrue();
			assertThat(slow.written).as("nothing more to the old device").hasSize(1);
		} finally {
			slow.release.countDown();
			pump.stop();
			rig.socket.close();
			thread.join(10_000);
		}
	}
}

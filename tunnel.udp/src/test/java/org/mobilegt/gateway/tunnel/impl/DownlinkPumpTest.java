package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.common.Daemons;
import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.tunnel.api.Direction;
import org.mobilegt.gateway.tunnel.api.DropReason;
import org.mobilegt.gateway.tunnel.api.PacketTap;

/** The TUN to UDP direction: a fake TUN device feeds the pump, the client on loopback receives. */
class DownlinkPumpTest {

	private static final int MSS = 1000;

	private Rig rig;
	private DownlinkPump pump;

	private void start(int offloadHeader) throws IOException {
		rig = new Rig(offloadHeader);
		pump = new DownlinkPump(rig.cell, rig.tun, 0, rig.metrics, rig.log.logger);
	}

	@AfterEach
	void close() throws Exception {
		rig.close();
	}

	/** A packet from the internet to the client's lease, as the device reads it (behind a zero header with offloads). */
	private byte[] toClient(int length) {
		ByteBuffer p = PacketsTest.ipv4(length, length).putInt(12, 0x08080808).putInt(16, Rig.LEASE);
		return withHeader(p, new byte[rig.tun.offloadHeader]);
	}

	/** A UDP packet from 2001:db8::1 to the IPv6 address fd00:4d::{@code lo}. */
	private byte[] toClient6(long lo) {
		ByteBuffer p = Ipv6Test.udp(20).putLong(8, Ipv6Test.DST_HI).putLong(16, Ipv6Test.DST_LO).putLong(24, Ipv6Test.HI).putLong(32, lo);
		return withHeader(p, new byte[rig.tun.offloadHeader]);
	}

	private static byte[] withHeader(ByteBuffer packet, byte[] header) {
		byte[] read = new byte[header.length + packet.remaining()];
		System.arraycopy(header, 0, read, 0, header.length);
		packet.get(packet.position(), read, header.length, packet.remaining());
		return read;
	}

	/** Lets the pump read everything queued and send it, on this thread. */
	private void pumpAll(byte[]... reads) throws IOException {
		for (byte[] r : reads) {
			rig.tun.toRead.add(r);
		}
		while (!rig.tun.toRead.isEmpty()) {
			assertThat(pump.step(0)).isTrue();
		}
		assertThat(pump.step(0)).isTrue(); // nothing more to read: the batch goes out
	}

	@Test
	void aPumpStoppedWhileTheUplinkHadTheTurnStillMakesTheReadAStopWaitsFor() throws Exception {
		start(0);
		rig.session();
		Kick kick = new Kick();
		try (PolledTun tun = new PolledTun()) {
			rig.cell.set(rig.cell.get().withTun(tun));
			Turn turn = Turn.of(tun, kick, true);
			assertThat(turn.toUplink()).isTrue();
			DownlinkPump parked = new DownlinkPump(rig.cell, tun, 0, rig.metrics, rig.log.logger, turn).waitMillis(60_000);
			Thread thread = Daemons.start(parked, "test-downlink");
			assertThat(Rig.await(() -> thread.getState() == Thread.State.TIMED_WAITING)).as("parked").isTrue();
			tun.offer(toClient(60)); // left by the uplink, which is stopping
			turn.downlinkThread(null); // so that the stop, not the turn, wakes the pump: it finds both at once

			turn.uplinkStopping(); // the turn back to the downlink
			parked.stop();
			thread.join(10_000);

			assertThat(thread.isAlive()).isFalse();
			assertThat(rig.receive()).as("read and sent before the pump ended").hasSize(60);
			assertThat(rig.metrics.txPackets()).isOne();
		} finally {
			kick.close();
		}
	}

	@Test
	void packetsToALeaseGoToItsEndpointAndCountOnceSent() throws Exception {
		start(0);
		Fakes.FakeSession session = rig.session();
		pumpAll(toClient(60), toClient(100));

		assertThat(rig.receive()).hasSize(60);
		assertThat(rig.receive()).hasSize(100);
		assertThat(rig.metrics.txPackets()).isEqualTo(2);
		assertThat(rig.metrics.txBytes()).isEqualTo(160);
		assertThat(session.txPackets()).isEqualTo(2);
		assertThat(session.txBytes()).isEqualTo(160);
	}

	@Test
	void ipv6PacketsToAnIpv6LeaseGoToItsEndpointAndTheTapSeesThemByTheSession() throws Exception {
		start(0);
		Fakes.FakeSession session = rig.sessions.add6(rig.session(), Ipv6Test.HI, Ipv6Test.LO);
		List<String> tapped = new ArrayList<>();
		PacketTap tap = (address, direction, packet) -> tapped.add(IpAddress.formatIpv4(address) + " " + packet.remaining());
		rig.cell.set(rig.cell.get().withTaps(TapSelection.of(Map.of(tap, "10.77.0.2"))));
		pumpAll(toClient6(Ipv6Test.LO), toClient6(Ipv6Test.LO + 1));

		assertThat(rig.receive()).hasSize(Ipv6.HEADER + 28);
		assertThat(session.txPackets()).isOne();
		assertThat(rig.metrics.drops()).containsEntry(DropReason.NO_SESSION, 1L).hasSize(1);
		assertThat(tapped).containsExactly("10.77.0.2 68");
	}

	@Test
	void whatHasNoSessionOrIsNotIpIsDropped() throws Exception {
		start(0);
		rig.session();
		byte[] stranger = toClient(60);
		ByteBuffer.wrap(stranger).putInt(16, Rig.LEASE + 1);
		byte[] v6 = toClient(60);
		v6[0] = 0x60;
		byte[] junk = toClient(60);
		junk[0] = 0x15;
		pumpAll(stranger, v6, junk, new byte[10]);

		assertThat(rig.metrics.drops()).as("the IPv6 packet: nobody holds its destination").containsEntry(DropReason.NO_SESSION, 2L)
				.containsEntry(DropReason.NOT_IP, 2L).hasSize(2);
		assertThat(rig.receive()).isNull();
		assertThat(rig.metrics.txPackets()).isZero();
	}

	@Test
	void aRefusedSendIsADropNotAForward() throws Exception {
		start(0);
		// port 0: the kernel refuses the datagram (EINVAL)
		Fakes.FakeSession unreachable = rig.sessions.add(EndpointKey.key(0x7F000001, 0), Rig.LEASE);
		Fakes.FakeSession fine = rig.sessions.add(rig.endpoint, Rig.LEASE + 1);
		byte[] second = toClient(80);
		ByteBuffer.wrap(second).putInt(16, Rig.LEASE + 1);
		pumpAll(toClient(60), second);

		assertThat(rig.drops(DropReason.UDP_SEND_ERROR)).isOne();
		assertThat(unreachable.txPackets()).isZero();
		assertThat(unreachable.drops()).isOne();
		assertThat(rig.receive()).as("the rest of the batch still goes").hasSize(80);
		assertThat(fine.txPackets()).isOne();
		assertThat(rig.metrics.txPackets()).isOne();
		assertThat(rig.metrics.txBytes()).isEqualTo(80);
	}

	@Test
	void withoutASocketNothingIsCountedAsSent() throws Exception {
		start(0);
		Fakes.FakeSession session = rig.session();
		rig.tun.toRead.add(toClient(60));
		assertThat(pump.step(0)).isTrue();
		rig.cell.set(rig.cell.get().withSocket(null)); // a send takes the newest socket: a replaced one is released
		pumpAll(toClient(60));

		assertThat(rig.drops(DropReason.NO_SERVICE)).isEqualTo(2);
		assertThat(session.drops()).isEqualTo(2);
		assertThat(rig.metrics.txPackets()).isZero();
		assertThat(session.txPackets()).isZero();
	}

	@Test
	void aBatchUsesTheBindingsOfWhenItsFirstPacketCameNotOfBeforeTheWait() throws Exception {
		start(0);
		Fakes.FakeSessions later = new Fakes.FakeSessions();
		rig.cell.set(rig.cell.get().withSessions(null));
		pump = new DownlinkPump(rig.cell, rig.tun, 0, rig.metrics, rig.log.logger);
		Thread thread = Daemons.start(pump, "test-downlink");
		try {
			Thread.sleep(20); // the pump waits in its read, with the snapshot of no sessions
			Fakes.FakeSession session = later.add(rig.endpoint, Rig.LEASE);
			rig.cell.set(rig.cell.get().withSessions(later));
			rig.tun.toRead.add(toClient(60));

			assertThat(rig.receive()).hasSize(60);
			assertThat(Rig.await(() -> session.txPackets() == 1)).isTrue();
			assertThat(rig.metrics.drops()).isEmpty();
		} finally {
			pump.stop();
			rig.tun.closed = true;
			thread.join(10_000);
		}
	}

	@Test
	void aClosedDeviceEndsThePump() throws Exception {
		start(0);
		rig.tun.closed = true;
		assertThat(pump.step(0)).isFalse();
	}

	@Test
	void offloadHeadersAreReadAndBadOnesDropped() throws Exception {
		start(Offload.HEADER);
		rig.session();
		byte[] udpFragments = toClient(60);
		udpFragments[1] = 3;
		pumpAll(toClient(60), new byte[Offload.HEADER], udpFragments);

		assertThat(rig.receive()).hasSize(60);
		assertThat(rig.drops(DropReason.TRUNCATED)).isOne();
		assertThat(rig.drops(DropReason.NOT_IP)).isOne();
	}

	private byte[] tcpSegment(int payload) {
		ByteBuffer segment = OffloadTest.tcp(payload, 0x18);
		segment.putInt(16, Rig.LEASE);
		byte[] header = new byte[Offload.HEADER];
		Offload.writeSegmentHeader(ByteBuffer.wrap(header), 0, Offload.GSO_TCPV4, 52, MSS, 20, 16);
		return withHeader(segment, header);
	}

	@Test
	void aLargeTcpSegmentIsCutAndEachPacketCountedOnceSent() throws Exception {
		start(Offload.HEADER);
		Fakes.FakeSession session = rig.session();
		pumpAll(tcpSegment(2500));

		assertThat(rig.receive()).hasSize(52 + MSS);
		assertThat(rig.receive()).hasSize(52 + MSS);
		assertThat(rig.receive()).hasSize(52 + 500);
		assertThat(rig.metrics.txPackets()).isEqualTo(3);
		assertThat(rig.metrics.txBytes()).isEqualTo(3 * 52 + 2500);
		assertThat(session.txPackets()).isEqualTo(3);
		assertThat(session.txBytes()).isEqualTo(3 * 52 + 2500);
	}

	@Test
	void aLargeTcpSegmentThatCannotBeSentIsOnlyDropped() throws Exception {
		start(Offload.HEADER);
		Fakes.FakeSession session = rig.sessions.add(EndpointKey.key(0x7F000001, 0), Rig.LEASE);
		pumpAll(tcpSegment(2500));

		assertThat(rig.drops(DropReason.UDP_SEND_ERROR)).isEqualTo(3);
		assertThat(rig.metrics.txPackets()).isZero();
		assertThat(session.txPackets()).isZero();
		assertThat(session.drops()).isEqualTo(3);
	}

	@Test
	void everyTimedPacketIsMeasuredFromItsReadToItsSend() throws Exception {
		start(0);
		rig.session();
		byte[][] reads = new byte[TunnelMetrics.SAMPLE_MASK + 1][];
		for (int i = 0; i < reads.length; i++) {
			reads[i] = toClient(60);
		}
		pumpAll(reads);

		assertThat(rig.metrics.latency(Direction.TO_CLIENT).samples()).isOne();
	}
}

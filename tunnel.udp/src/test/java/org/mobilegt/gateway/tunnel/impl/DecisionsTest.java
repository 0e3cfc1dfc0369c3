package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.tunnel.api.DropReason;

/** Every answer of every per-datagram decision, called directly. */
class DecisionsTest {

	private static final int LEASE = 0x0A4D0002; // what PacketsTest.ipv4 puts as source
	private static final long CLIENT = EndpointKey.key(0xC6336401, 40000);

	@Test
	void aReceivedDatagramIsRefusedWhenCutOrEmpty() {
		assertThat(Decisions.received(true, 65536)).isEqualTo(DropReason.OVERSIZED);
		assertThat(Decisions.received(false, 0)).isEqualTo(DropReason.TRUNCATED);
		assertThat(Decisions.received(false, 1)).isNull();
	}

	@Test
	void aHandshakeLongerThanAKeyAndAnIdCanBeIsMalformed() {
		assertThat(Decisions.handshake(Control.MAX_HANDSHAKE)).isNull();
		assertThat(Decisions.handshake(Control.MAX_HANDSHAKE + 1)).isEqualTo(DropReason.MALFORMED);
	}

	@Test
	void dataIsForwardedOnlyFromTheLeaseToAPresentDevice() {
		assertThat(Decisions.data(PacketsTest.ipv4(60, 64), LEASE, 0, 0, 1400, false)).isNull();
		assertThat(Decisions.data(PacketsTest.ipv4(60, 60), LEASE + 1, 0, 0, 1400, false)).isEqualTo(DropReason.SPOOFED);
		assertThat(Decisions.data(PacketsTest.ipv4(60, 60), LEASE, 0, 0, 0, false)).isEqualTo(DropReason.NO_TUN);
		assertThat(Decisions.data(PacketsTest.ipv4(60, 60), LEASE + 1, 0, 0, 0, false)).as("spoofing is told even without a device")
				.isEqualTo(DropReason.SPOOFED);
		assertThat(Decisions.data(PacketsTest.ipv4(1500, 1500), LEASE, 0, 0, 1400, false)).isEqualTo(DropReason.OVERSIZED);
		assertThat(Decisions.data(PacketsTest.ipv4(100, 60), LEASE, 0, 0, 1400, false)).isEqualTo(DropReason.TRUNCATED);
		ByteBuffer v6 = PacketsTest.ipv4(60, 60);
		v6.put(0, (byte) 0x60);
		assertThat(Decisions.data(v6, LEASE, 0, 0, 1400, false)).isEqualTo(DropReason.IPV6);
		ByteBuffer junk = PacketsTest.ipv4(60, 60);
		junk.put(0, (byte) 0x15);
		assertThat(Decisions.data(junk, LEASE, 0, 0, 1400, false)).isEqualTo(DropReason.NOT_IP);
	}

	@Test
	void ipv6DataIsForwardedOnlyFromTheIpv6Lease() {
		long hi = Ipv6Test.HI;
		long lo = Ipv6Test.LO;
		assertThat(Decisions.data(Ipv6Test.udp(20), LEASE, hi, lo, 1400, false)).isNull();
		assertThat(Decisions.data(Ipv6Test.udp(20), LEASE, hi, lo, 1400, true)).as("with offloads too").isNull();
		assertThat(Decisions.data(Ipv6Test.udp(20), LEASE, 0, 0, 1400, false)).as("a session without an IPv6 lease")
				.isEqualTo(DropReason.IPV6);
		assertThat(Decisions.data(Ipv6Test.udp(20), LEASE, hi, lo + 1, 1400, false)).isEqualTo(DropReason.SPOOFED);
		assertThat(Decisions.data(Ipv6Test.udp(20), LEASE, hi + 1, lo, 1400, false)).as("the other half differs")
				.isEqualTo(DropReason.SPOOFED);
		assertThat(Decisions.data(Ipv6Test.udp(20), LEASE, hi, lo + 1, 0, false)).isEqualTo(DropReason.SPOOFED);
		assertThat(Decisions.data(Ipv6Test.udp(20), LEASE, hi, lo, 0, false)).isEqualTo(DropReason.NO_TUN);
		assertThat(Decisions.data(Ipv6Test.udp(2000), LEASE, hi, lo, 1400, false)).isEqualTo(DropReason.OVERSIZED);
		assertThat(Decisions.data(Ipv6Test.udp(20).limit(50), LEASE, hi, lo, 1400, false)).isEqualTo(DropReason.TRUNCATED);
		byte[] hidden = Ipv6Test.ext(Ipv6.NO_NEXT);
		hidden[3] = 1;
		assertThat(Decisions.data(Ipv6Test.packet(Ipv6.ROUTING, 8, hidden), LEASE, hi, lo, 1400, false)).isEqualTo(DropReason.MALFORMED);
		ByteBuffer v4 = PacketsTest.ipv4(60, 60);
		assertThat(Decisions.data(v4, LEASE, hi, lo, 1400, false)).as("the IPv4 lease still holds for IPv4").isNull();
	}

	@Test
	void ipv6FromALinkScopedSourceIsLinkChatterNotSpoofing() {
		long hi = Ipv6Test.HI;
		long lo = Ipv6Test.LO;
		assertThat(Decisions.data(Ipv6Test.udp(20).putLong(8, 0xFE80_0000_0000_0000L), LEASE, hi, lo, 1400, false))
				.as("a router solicitation's link-local source").isEqualTo(DropReason.LINK_LOCAL);
		assertThat(Decisions.data(Ipv6Test.udp(20).putLong(8, 0xFEBF_FFFF_0000_0000L), LEASE, hi, lo, 1400, false))
				.as("the end of fe80::/10").isEqualTo(DropReason.LINK_LOCAL);
		assertThat(Decisions.data(Ipv6Test.udp(20).putLong(8, 0).putLong(16, 0), LEASE, hi, lo, 1400, false))
				.as("duplicate address detection's unspecified source").isEqualTo(DropReason.LINK_LOCAL);
		assertThat(Decisions.data(Ipv6Test.udp(20).putLong(8, 0xFEC0_0000_0000_0000L), LEASE, hi, lo, 1400, false))
				.as("site-local is not link-scoped").isEqualTo(DropReason.SPOOFED);
		assertThat(Decisions.data(Ipv6Test.udp(20).putLong(8, 0).putLong(16, 1), LEASE, hi, lo, 1400, false))
				.as("::1 is not unspecified").isEqualTo(DropReason.SPOOFED);
		assertThat(Decisions.data(Ipv6Test.udp(20).putLong(8, 0xFE80_0000_0000_0000L), LEASE, 0, 0, 1400, false))
				.as("a session without an IPv6 lease").isEqualTo(DropReason.IPV6);
	}

	@Test
	void checkingIpv6PacketsAllocatesNothing() {
		byte[] chain = Ipv6Test.concat(Ipv6Test.ext(Ipv6.DESTINATION), Ipv6Test.fragment(Ipv6.UDP, 0, true), new byte[16]);
		ByteBuffer[] packets = { Ipv6Test.udp(20), Ipv6Test.packet(Ipv6.HOP_BY_HOP, chain.length, chain),
				Ipv6Test.udp(20).putLong(16, Ipv6Test.LO + 1) };
		com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
		int forwarded = 0;
		long before = threads.getCurrentThreadAllocatedBytes();
		for (int round = 0; round < 300_000; round++) {
			for (ByteBuffer p : packets) {
				p.clear();
				forwarded += Decisions.data(p, LEASE, Ipv6Test.HI, Ipv6Test.LO, 1400, true) == null ? 1 : 0;
				forwarded += Decisions.outbound(p) == null ? 1 : 0;
			}
		}
		long allocated = threads.getCurrentThreadAllocatedBytes() - before;
		assertThat(forwarded).isEqualTo(300_000 * 5);
		assertThat(allocated).as("bytes allocated by 900,000 IPv6 decisions").isLessThan(1024);
	}

	@Test
	void withOffloadsATcpPacketWithoutItsWholeHeaderIsTruncated() {
		ByteBuffer tcp = PacketsTest.ipv4(30, 30);
		tcp.put(9, (byte) 6); // claims TCP, has 10 bytes of it
		assertThat(Decisions.data(tcp.duplicate(), LEASE, 0, 0, 1400, false)).as("the plain path takes it as it is").isNull();
		assertThat(Decisions.data(tcp.duplicate(), LEASE, 0, 0, 1400, true)).isEqualTo(DropReason.TRUNCATED);
		ByteBuffer whole = OffloadTest.tcp(10, 0x10);
		whole.putInt(12, LEASE);
		assertThat(Decisions.data(whole, LEASE, 0, 0, 1400, true)).isNull();
	}

	@Test
	void dataFromAnUnknownEndpointIsRebindingOnlyFromTheLeaseHoldersAddress() {
		Fakes.FakeSessions sessions = new Fakes.FakeSessions();
		assertThat(Decisions.unknown(CLIENT, null, sessions)).as("a keepalive").isEqualTo(DropReason.UNKNOWN_ENDPOINT);
		assertThat(Decisions.unknown(CLIENT, PacketsTest.ipv4(60, 60), sessions)).as("nobody holds the source")
				.isEqualTo(DropReason.UNKNOWN_ENDPOINT);
		sessions.add(EndpointKey.key(0xC6336402, 40000), LEASE);
		assertThat(Decisions.unknown(CLIENT, PacketsTest.ipv4(60, 60), sessions)).as("held from another address")
				.isEqualTo(DropReason.UNKNOWN_ENDPOINT);
		sessions.add(EndpointKey.key(0xC6336401, 1234), LEASE);
		assertThat(Decisions.unknown(CLIENT, PacketsTest.ipv4(60, 60), sessions)).as("same address, new port")
				.isEqualTo(DropReason.REBINDING);
		assertThat(Decisions.unknown(CLIENT, PacketsTest.ipv4(19, 19), sessions)).as("too short to have a source")
				.isEqualTo(DropReason.UNKNOWN_ENDPOINT);
		assertThat(Decisions.unknown(CLIENT, Ipv6Test.udp(20), sessions)).as("nobody holds the IPv6 source")
				.isEqualTo(DropReason.UNKNOWN_ENDPOINT);
		sessions.add6(sessions.byEndpoint.get(EndpointKey.key(0xC6336401, 1234)), Ipv6Test.HI, Ipv6Test.LO);
		assertThat(Decisions.unknown(CLIENT, Ipv6Test.udp(20), sessions)).as("an IPv6 packet from the same address, new port")
				.isEqualTo(DropReason.REBINDING);
	}

	@Test
	void anOffloadedReadNeedsAPacketAndAKnownSegmentation() {
		assertThat(Decisions.offloaded(ByteBuffer.allocate(Offload.HEADER))).isEqualTo(DropReason.TRUNCATED);
		ByteBuffer read = ByteBuffer.allocate(Offload.HEADER + 60);
		assertThat(Decisions.offloaded(read)).isNull();
		read.put(1, (byte) Offload.GSO_TCPV4);
		assertThat(Decisions.offloaded(read)).isNull();
		read.put(1, (byte) (Offload.GSO_TCPV4 | Offload.GSO_ECN));
		assertThat(Decisions.offloaded(read)).isNull();
		read.put(1, (byte) 3); // UDP fragmentation offload
		assertThat(Decisions.offloaded(read)).isEqualTo(DropReason.NOT_IP);
		read.put(1, (byte) 4); // TCPv6: TSO6 is never enabled (TUNSETOFFLOAD asks for TSO4 only)
		assertThat(Decisions.offloaded(read)).isEqualTo(DropReason.NOT_IP);
	}

	@Test
	void anOutboundPacketMustBeIpWithAWholeHeader() {
		assertThat(Decisions.outbound(PacketsTest.ipv4(60, 60))).isNull();
		assertThat(Decisions.outbound(Ipv6Test.udp(20))).isNull();
		assertThat(Decisions.outbound(Ipv6Test.udp(20).limit(39))).isEqualTo(DropReason.TRUNCATED);
		assertThat(Decisions.outbound(PacketsTest.ipv4(19, 19))).isEqualTo(DropReason.TRUNCATED);
		ByteBuffer junk = PacketsTest.ipv4(60, 60);
		junk.put(0, (byte) 0x00);
		assertThat(Decisions.outbound(junk)).isEqualTo(DropReason.NOT_IP);
	}
}

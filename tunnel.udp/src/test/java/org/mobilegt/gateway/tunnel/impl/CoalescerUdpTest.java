package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.tunnel.impl.CoalescerTest.fold;
import static org.mobilegt.gateway.tunnel.impl.CoalescerTest.transportSum;
import static org.mobilegt.gateway.tunnel.impl.CoalescerTest.words;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.tunnel.impl.CoalescerTest.Written;

/** UDP datagrams through {@link Coalescer}: merged into one UDP segment where the device takes them. */
class CoalescerUdpTest {

	private static final int CLIENT = 0x0A4D0002;
	private static final int SERVER = 0xAC1F0102;
	private static final int UDP = 17;

	/** A device with offloads that takes UDP segments (Linux 6.2+), and one that does not. */
	final Fakes.FakeTun segmenting = new Fakes.FakeTun(Offload.HEADER) {
		@Override
		public boolean writesUdpSegments() {
			return true;
		}
	};
	final Fakes.FakeTun older = new Fakes.FakeTun(Offload.HEADER);

	final List<Written> written = new ArrayList<>();
	final Coalescer coalescer = CoalescerTest.recording(written);

	/**
	 * An IPv4 UDP datagram from the client as the receive batch holds it: behind the offload
	 * header's room, IP id {@code id}, DF, {@code payload} bytes of {@code fill}, a valid checksum.
	 */
	static ByteBuffer datagram(int port, int id, int payload, int fill) {
		int length = 28 + payload;
		ByteBuffer slot = ByteBuffer.allocate(Offload.HEADER + length);
		ByteBuffer p = slot.slice(Offload.HEADER, length);
		p.put(0, (byte) 0x45).putShort(2, (short) length).putShort(4, (short) id).putShort(6, (short) 0x4000);
		p.put(8, (byte) 64).put(9, (byte) UDP).putInt(12, CLIENT).putInt(16, SERVER);
		p.putShort(10, (short) ~fold(words(p, 0, 20, 0)));
		p.putShort(20, (short) port).putShort(22, (short) 53).putShort(24, (short) (8 + payload));
		for (int i = 0; i < payload; i++) {
			p.put(28 + i, (byte) (fill + i));
		}
		p.putShort(26, (short) ~transportSum(p));
		assertThat(transportSum(p)).isEqualTo(0xFFFF);
		return slot.position(Offload.HEADER);
	}

	/** As {@link #datagram} in IPv6 (fd00:4d::2 to 2001:db8::1, flow label 0x12345). */
	static ByteBuffer datagram6(int port, int payload, int fill) {
		int length = 48 + payload;
		ByteBuffer slot = ByteBuffer.allocate(Offload.HEADER + length);
		ByteBuffer p = slot.slice(Offload.HEADER, length);
		p.putInt(0, 0x60012345).putShort(4, (short) (8 + payload)).put(6, (byte) UDP).put(7, (byte) 64);
		p.putLong(8, Ipv6Test.HI).putLong(16, Ipv6Test.LO).putLong(24, Ipv6Test.DST_HI).putLong(32, Ipv6Test.DST_LO);
		p.putShort(40, (short) port).putShort(42, (short) 53).putShort(44, (short) (8 + payload));
		for (int i = 0; i < payload; i++) {
			p.put(48 + i, (byte) (fill + i));
		}
		p.putShort(46, (short) ~transportSum(p));
		return slot.position(Offload.HEADER);
	}

	/**
	 * What the kernel makes of a UDP segment (__udp_gso_segment, then the checksum it leaves
	 * partial finished): datagrams of gso_size payload bytes, each with the segment's headers, its
	 * own lengths, IPv4 id (counted on from the first) and header checksum.
	 */
	static List<ByteBuffer> cut(Written w) {
		ByteBuffer seg = w.packet();
		boolean v6 = (seg.get(0) & 0xF0) == 0x60;
		int headers = Short.toUnsignedInt(Short.reverseBytes(w.bytes().getShort(Offload.HDR_LEN)));
		int ipHeader = Offload.csumStart(w.bytes(), 0);
		int mss = Offload.gsoSize(w.bytes(), 0);
		List<ByteBuffer> out = new ArrayList<>();
		for (int at = headers, i = 0; at < seg.limit(); at += mss, i++) {
			int size = Math.min(mss, seg.limit() - at);
			ByteBuffer d = ByteBuffer.allocate(headers + size);
			d.put(0, seg, 0, headers).put(headers, seg, at, size);
			if (v6) {
				d.putShort(4, (short) (8 + size));
			} else {
				d.putShort(2, (short) (headers + size)).putShort(4, (short) (seg.getShort(4) + i)).putShort(10, (short) 0);
				d.putShort(10, (short) ~fold(words(d, 0, 20, 0)));
			}
			d.putShort(ipHeader + 4, (short) (8 + size)).putShort(ipHeader + 6, (short) 0);
			d.putShort(ipHeader + 6, (short) ~transportSum(d));
			out.add(d);
		}
		return out;
	}

	private boolean offer(ByteBuffer p) {
		return coalescer.offer(segmenting, p, null);
	}

	private static ByteBuffer copy(ByteBuffer p) {
		return ByteBuffer.wrap(CoalescerTest.bytes(p.slice()));
	}

	@Test
	void consecutiveDatagramsOfAFlowBecomeOneUdpSegmentThatTheKernelCutsBackIntoThemExactly() {
		List<ByteBuffer> sent = List.of(datagram(40000, 7, 64, 1), datagram(40000, 8, 64, 2), datagram(40000, 9, 64, 3),
				datagram(40000, 10, 20, 4));
		List<ByteBuffer> originals = sent.stream().map(CoalescerUdpTest::copy).toList();
		for (ByteBuffer p : sent) {
			assertThat(offer(p)).isTrue();
		}
		assertThat(written).as("held until the batch ends").isEmpty();
		coalescer.flush(segmenting);

		assertThat(written).singleElement().satisfies(w -> {
			assertThat(w.packets()).isEqualTo(4);
			assertThat(w.size()).as("each packet but the last").isEqualTo(28 + 64);
			assertThat(w.total()).as("the datagrams' own IP lengths, for the counters").isEqualTo(3 * 92 + 48);
			assertThat(w.gsoType()).isEqualTo(Offload.GSO_UDP_L4);
			assertThat(Offload.flags(w.bytes(), 0)).isEqualTo(Offload.F_NEEDS_CSUM);
			assertThat(Offload.gsoSize(w.bytes(), 0)).isEqualTo(64);
			assertThat(Short.toUnsignedInt(Short.reverseBytes(w.bytes().getShort(Offload.HDR_LEN)))).as("headers").isEqualTo(28);
			assertThat(Offload.csumStart(w.bytes(), 0)).isEqualTo(20);
			assertThat(Offload.csumOffset(w.bytes(), 0)).isEqualTo(6);
			ByteBuffer merged = w.packet();
			assertThat(Short.toUnsignedInt(merged.getShort(2))).isEqualTo(28 + 3 * 64 + 20);
			assertThat(Short.toUnsignedInt(merged.getShort(24))).as("UDP length").isEqualTo(8 + 3 * 64 + 20);
			assertThat(fold(words(merged, 0, 20, 0))).as("IP checksum").isEqualTo(0xFFFF);
			assertThat(cut(w)).containsExactlyElementsOf(originals);
		});
	}

	@Test
	void ipv6DatagramsBecomeOneUdpSegmentToo() {
		List<ByteBuffer> sent = List.of(datagram6(40000, 100, 1), datagram6(40000, 100, 2), datagram6(40000, 37, 3));
		List<ByteBuffer> originals = sent.stream().map(CoalescerUdpTest::copy).toList();
		sent.forEach(p -> assertThat(offer(p)).isTrue());
		coalescer.flush(segmenting);

		assertThat(written).singleElement().satisfies(w -> {
			assertThat(w.packets()).isEqualTo(3);
			assertThat(w.gsoType()).isEqualTo(Offload.GSO_UDP_L4);
			assertThat(Offload.csumStart(w.bytes(), 0)).isEqualTo(40);
			assertThat(Short.toUnsignedInt(w.packet().getShort(4))).as("payload length").isEqualTo(8 + 237);
			assertThat(cut(w)).containsExactlyElementsOf(originals);
		});
	}

	@Test
	void aDeviceThatTakesNoUdpSegmentsGetsEveryDatagramAsItCame() {
		assertThat(coalescer.offer(older, datagram(40000, 1, 64, 1), null)).isFalse();
		assertThat(coalescer.offer(older, datagram(40000, 2, 64, 2), null)).isFalse();
		coalescer.flush(older);
		assertThat(written).isEmpty();
	}

	@Test
	void whatTheCutWouldNotGiveBackAsItCameIsNotMerged() {
		ByteBuffer noChecksum = datagram(40000, 1, 64, 1);
		noChecksum.putShort(noChecksum.position() + 26, (short) 0);
		assertThat(offer(noChecksum)).as("IPv4 without a checksum: the cut would add one").isFalse();

		ByteBuffer padded = datagram(40001, 1, 64, 1);
		padded.putShort(padded.position() + 24, (short) 40);
		assertThat(offer(padded)).as("a UDP length short of the IP payload").isFalse();

		assertThat(offer(datagram(40002, 1, 64, 1))).isTrue();
		ByteBuffer corrupt = datagram(40002, 2, 64, 2);
		corrupt.put(corrupt.limit() - 1, (byte) 0x5A);
		assertThat(offer(corrupt)).as("a bad checksum starts over").isTrue();
		assertThat(offer(datagram(40002, 3, 80, 3))).as("longer than the first: starts over").isTrue();
		ByteBuffer ttl = datagram(40002, 4, 80, 4);
		ttl.put(ttl.position() + 8, (byte) 63);
		assertThat(offer(ttl)).as("another TTL: starts over").isTrue();
		coalescer.flush(segmenting);

		assertThat(written).hasSize(4).allSatisfy(w -> assertThat(w.packets()).isOne());
		assertThat(written).allSatisfy(w -> assertThat(w.gsoType()).isEqualTo(Offload.GSO_NONE));
	}

	/** What a client with a session may craft: a packet that ends inside or at its transport header. */
	@Test
	void aPacketCutShortOfItsTransportHeaderIsLeftToTheCallerUnread() {
		ByteBuffer v4 = datagram(40000, 1, 64, 1);
		v4.limit(v4.position() + 24).putShort(v4.position() + 2, (short) 24);
		ByteBuffer v4Empty = datagram(40000, 2, 64, 2);
		v4Empty.limit(v4Empty.position() + 28);
		ByteBuffer v6 = datagram6(40000, 64, 1);
		v6.limit(v6.position() + 44);
		ByteBuffer tcp6 = CoalescerTest.segment6(40000, 0, 100, 0x10);
		tcp6.limit(tcp6.position() + 50);
		ByteBuffer tcp6Options = CoalescerTest.segment6(40000, 0, 0, 0x10);
		tcp6Options.limit(tcp6Options.position() + 60); // the header says 32 bytes, 20 are there
		ByteBuffer tcp6Offset = CoalescerTest.segment6(40000, 0, 100, 0x10);
		tcp6Offset.put(tcp6Offset.position() + 52, (byte) 0x40); // a data offset of 16 bytes, short of any TCP header
		for (ByteBuffer p : List.of(v4, v4Empty, v6, tcp6, tcp6Options, tcp6Offset)) {
			assertThat(offer(p)).isFalse();
		}
		coalescer.flush(segmenting);
		assertThat(written).isEmpty();
	}

	@Test
	void aSegmentCarriesAtMostTheKernelsNumberOfDatagrams() {
		for (int i = 0; i < Coalescer.UDP_SEGMENTS + 6; i++) {
			offer(datagram(40000, i, 16, i));
		}
		coalescer.flush(segmenting);
		assertThat(written).extracting(Written::packets).containsExactly(Coalescer.UDP_SEGMENTS, 6);
	}

	@Test
	void tcpAndUdpWithTheSameAddressesAndPortsAreTwoFlows() {
		ByteBuffer tcp = CoalescerTest.segment(40000, 0, 1348, 0x10);
		ByteBuffer udp = datagram(40000, 1, 64, 1);
		udp.putShort(udp.position() + 22, (short) 80).putShort(udp.position() + 26, (short) 0);
		udp.putShort(udp.position() + 26, (short) ~transportSum(udp.slice()));
		assertThat(offer(tcp)).isTrue();
		assertThat(offer(udp)).as("held beside the TCP one, not tried against it").isTrue();
		assertThat(written).isEmpty();
		coalescer.flush(segmenting);
		assertThat(written).hasSize(2).extracting(Written::gsoType).containsOnly(Offload.GSO_NONE);
	}
}

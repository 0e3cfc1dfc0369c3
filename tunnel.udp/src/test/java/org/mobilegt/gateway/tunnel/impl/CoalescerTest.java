package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.common.testing.Ipv4Packets;

class CoalescerTest {

	private static final int CLIENT = 0x0A4D0002;
	private static final int SERVER = 0xAC1F0102;
	private static final int MSS = 1348;
	private static final int ACK = 0x10;
	private static final int PSH = 0x08;

	/** What reached the device: a copy from the virtio header on, and the packets it stands for (count, size each but the last, bytes). */
	record Written(ByteBuffer bytes, int packets, int size, int total) {
		int gsoType() {
			return Offload.gsoType(bytes, 0);
		}

		ByteBuffer packet() {
			return bytes.slice(Offload.HEADER, bytes.limit() - Offload.HEADER);
		}
	}

	final List<Written> written = new ArrayList<>();
	final Coalescer coalescer = recording(written);

	/** A coalescer whose writes are copied into {@code written}. */
	static Coalescer recording(List<Written> written) {
		return new Coalescer((tun, p, session, packets, size, bytes) -> {
			ByteBuffer copy = ByteBuffer.allocate(p.remaining());
			copy.put(0, p, p.position(), p.remaining());
			written.add(new Written(copy, packets, size, bytes));
			return true;
		});
	}

	/**
	 * A TCP packet from the client as the receive batch holds it: behind the offload header's room,
	 * with timestamps, consecutive IP ids and a valid checksum.
	 */
	static ByteBuffer segment(int port, int seq, int payload, int flags) {
		int length = 20 + 32 + payload;
		ByteBuffer slot = ByteBuffer.allocate(Offload.HEADER + length);
		ByteBuffer p = slot.slice(Offload.HEADER, length);
		p.put(0, (byte) 0x45).putShort(2, (short) length).putShort(4, (short) (seq / MSS));
		p.putShort(6, (short) 0x4000).put(8, (byte) 64).put(9, (byte) 6).putInt(12, CLIENT).putInt(16, SERVER);
		p.putShort(10, (short) Ipv4Packets.checksum(bytes(p), 0, 20, 0));
		p.putShort(20, (short) port).putShort(22, (short) 80).putInt(24, seq).putInt(28, 0x01020304);
		p.put(32, (byte) 0x80).put(33, (byte) flags).putShort(34, (short) 502);
		p.putInt(40, 0x0101080A).putInt(44, 0x11223344).putInt(48, 0x55667788);
		for (int i = 0; i < payload; i++) {
			p.put(52 + i, (byte) (seq + i));
		}
		p.putShort(36, (short) OffloadTest.checksum(p, CLIENT, SERVER));
		assertThat(Checksums.valid(p)).isTrue();
		return slot.position(Offload.HEADER);
	}

	/** As {@link #segment}, in IPv6 (fd00:4d::2 to 2001:db8::1, flow label 0x12345, no extension headers). */
	static ByteBuffer segment6(int port, int seq, int payload, int flags) {
		int length = 40 + 32 + payload;
		ByteBuffer slot = ByteBuffer.allocate(Offload.HEADER + length);
		ByteBuffer p = slot.slice(Offload.HEADER, length);
		p.putInt(0, 0x60012345).putShort(4, (short) (length - 40)).put(6, (byte) 6).put(7, (byte) 64);
		p.putLong(8, Ipv6Test.HI).putLong(16, Ipv6Test.LO).putLong(24, Ipv6Test.DST_HI).putLong(32, Ipv6Test.DST_LO);
		p.putShort(40, (short) port).putShort(42, (short) 80).putInt(44, seq).putInt(48, 0x01020304);
		p.put(52, (byte) 0x80).put(53, (byte) flags).putShort(54, (short) 502);
		p.putInt(60, 0x0101080A).putInt(64, 0x11223344).putInt(68, 0x55667788);
		for (int i = 0; i < payload; i++) {
			p.put(72 + i, (byte) (seq + i));
		}
		p.putShort(56, (short) ~transportSum(p));
		assertThat(transportSum(p)).isEqualTo(0xFFFF);
		return slot.position(Offload.HEADER);
	}

	/**
	 * The folded ones' complement sum, word by word, of an IPv4 or IPv6 (no extension headers)
	 * packet's pseudo-header and transport part (0xFFFF: its checksum verifies).
	 */
	static int transportSum(ByteBuffer p) {
		boolean v6 = (p.get(0) & 0xF0) == 0x60;
		int ipHeader = v6 ? 40 : 20;
		int length = p.limit() - ipHeader;
		long sum = v6 ? words(p, 8, 40, p.get(6) + length) : words(p, 12, 20, p.get(9) + length);
		return fold(words(p, ipHeader, p.limit(), sum));
	}

	/** {@code sum} plus the big-endian words of {@code p[from, to)}, an odd last byte as a high byte. */
	static long words(ByteBuffer p, int from, int to, long sum) {
		for (int i = from; i < to; i += 2) {
			sum += i + 1 < to ? Short.toUnsignedInt(p.getShort(i)) : (p.get(i) & 0xFF) << 8;
		}
		return sum;
	}

	static int fold(long sum) {
		while (sum >>> 16 != 0) {
			sum = (sum & 0xFFFF) + (sum >>> 16);
		}
		return (int) sum;
	}

	/** A device with offloads that takes no UDP segments (CoalescerUdpTest has those). */
	final Fakes.FakeTun tun = new Fakes.FakeTun(Offload.HEADER);

	private boolean offer(ByteBuffer p) {
		return coalescer.offer(tun, p, null);
	}

	@Test
	void consecutiveSegmentsOfAFlowBecomeOneThatTheKernelCutsBackIntoThemExactly() {
		List<ByteBuffer> sent = List.of(segment(40000, 0, MSS, ACK), segment(40000, MSS, MSS, ACK),
				segment(40000, 2 * MSS, MSS, ACK), segment(40000, 3 * MSS, 100, ACK | PSH));
		List<ByteBuffer> originals = sent.stream().map(p -> ByteBuffer.wrap(bytes(p.slice()))).toList();
		for (ByteBuffer p : sent) {
			assertThat(offer(p)).isTrue();
		}
		assertThat(written).as("the PSH closes the segment").hasSize(1);
		Written w = written.get(0);
		assertThat(w.packets()).isEqualTo(4);
		assertThat(w.size()).as("each packet but the last").isEqualTo(52 + MSS);
		assertThat(w.total()).as("the packets' own IP lengths, for the counters").isEqualTo(3 * (52 + MSS) + 52 + 100);
		assertThat(Offload.flags(w.bytes(), 0)).isEqualTo(Offload.F_NEEDS_CSUM);
		assertThat(w.gsoType()).isEqualTo(Offload.GSO_TCPV4);
		assertThat(Offload.gsoSize(w.bytes(), 0)).isEqualTo(MSS);
		assertThat(Offload.csumStart(w.bytes(), 0)).isEqualTo(20);
		assertThat(Offload.csumOffset(w.bytes(), 0)).isEqualTo(16);
		ByteBuffer merged = w.packet();
		assertThat(Short.toUnsignedInt(merged.getShort(2))).isEqualTo(52 + 3 * MSS + 100);
		assertThat(Ipv4Packets.checksum(bytes(merged), 0, 20, 0)).as("IP checksum").isZero();

		ByteBuffer cut = ByteBuffer.allocate(GsoSender.CAPACITY);
		assertThat(Offload.segment(merged, MSS, cut)).isEqualTo(52 + MSS);
		for (int i = 0; i < originals.size(); i++) {
			int size = originals.get(i).limit();
			assertThat(cut.slice(i * (52 + MSS), size)).as("packet %d as the kernel cuts it", i).isEqualTo(originals.get(i));
		}
	}

	@Test
	void consecutiveIpv6SegmentsBecomeOneTcpv6SegmentWithAPartialChecksum() {
		int mss = 1328;
		List<ByteBuffer> sent = List.of(segment6(40000, 0, mss, ACK), segment6(40000, mss, mss, ACK), segment6(40000, 2 * mss, 77, ACK | PSH));
		for (ByteBuffer p : sent) {
			assertThat(offer(p)).isTrue();
		}
		assertThat(written).singleElement().satisfies(w -> {
			assertThat(w.packets()).isEqualTo(3);
			assertThat(w.size()).isEqualTo(72 + mss);
			assertThat(w.total()).isEqualTo(2 * (72 + mss) + 72 + 77);
			assertThat(w.gsoType()).isEqualTo(Offload.GSO_TCPV6);
			assertThat(Offload.flags(w.bytes(), 0)).isEqualTo(Offload.F_NEEDS_CSUM);
			assertThat(Offload.gsoSize(w.bytes(), 0)).isEqualTo(mss);
			assertThat(Short.toUnsignedInt(Short.reverseBytes(w.bytes().getShort(Offload.HDR_LEN)))).as("headers").isEqualTo(72);
			assertThat(Offload.csumStart(w.bytes(), 0)).isEqualTo(40);
			assertThat(Offload.csumOffset(w.bytes(), 0)).isEqualTo(16);
			ByteBuffer merged = w.packet();
			assertThat(Short.toUnsignedInt(merged.getShort(4))).as("payload length").isEqualTo(32 + 2 * mss + 77);
			assertThat(merged.get(53) & 0xFF).as("PSH from the last").isEqualTo(ACK | PSH);
			for (int i = 0; i < 2 * mss + 77; i++) {
				assertThat(merged.get(72 + i)).isEqualTo((byte) i);
			}
			Offload.finishChecksum(merged, 40, 16); // what the kernel does with the partial sum
			assertThat(transportSum(merged)).as("the finished checksum verifies").isEqualTo(0xFFFF);
		});
	}

	@Test
	void ipv6NeedsTheSameFlowLabelAndNoExtensionHeaders() {
		assertThat(offer(segment6(40000, 0, 1328, ACK))).isTrue();
		ByteBuffer relabelled = segment6(40000, 1328, 1328, ACK);
		relabelled.putInt(relabelled.position(), 0x60054321);
		assertThat(offer(relabelled)).as("held, not joined").isTrue();
		assertThat(written).singleElement().satisfies(w -> assertThat(w.packets()).isOne());
		ByteBuffer extended = segment6(40001, 0, 1328, ACK);
		extended.put(extended.position() + 6, (byte) Ipv6.DESTINATION);
		assertThat(offer(extended)).as("an extension header: left to the caller").isFalse();
		ByteBuffer v4 = segment(40000, 0, MSS, ACK);
		assertThat(offer(v4)).as("an IPv4 flow with the same ports is another flow").isTrue();
		assertThat(written).hasSize(1);
	}

	@Test
	void aSingleHeldPacketIsWrittenAsItCameWithAZeroHeader() {
		ByteBuffer p = segment(40000, 0, 500, ACK);
		ByteBuffer original = p.slice();
		assertThat(offer(p)).isTrue();
		assertThat(written).isEmpty();

		coalescer.flush(null);

		assertThat(written).singleElement().satisfies(w -> {
			assertThat(w.packets()).isOne();
			assertThat(w.total()).isEqualTo(w.size()).isEqualTo(52 + 500);
			assertThat(bytes(w.bytes().slice(0, Offload.HEADER))).containsOnly(0);
			assertThat(w.packet()).isEqualTo(original);
		});
	}

	@Test
	void whatIsNotAPlainContinuationIsNotMerged() {
		assertThat(offer(segment(40000, 0, MSS, ACK))).isTrue();
		assertThat(offer(segment(40000, 5 * MSS, MSS, ACK))).as("a gap: the held one goes, this one is held").isTrue();
		assertThat(written).singleElement().satisfies(w -> assertThat(w.gsoType()).isEqualTo(Offload.GSO_NONE));

		ByteBuffer corrupt = segment(40000, 6 * MSS, MSS, ACK);
		corrupt.put(corrupt.limit() - 1, (byte) 0x5A);
		assertThat(offer(corrupt)).as("a bad checksum starts over").isTrue();
		assertThat(written).hasSize(2);

		assertThat(offer(segment(40000, 7 * MSS, MSS, ACK | 0x01))).as("FIN: written by the caller, after what was held").isFalse();
		assertThat(written).hasSize(3);
		coalescer.flush(null);
		assertThat(written).hasSize(3).allSatisfy(w -> assertThat(w.packets()).isOne());
	}

	@Test
	void nothingJoinsAShortSegment() {
		offer(segment(40000, 0, MSS, ACK));
		offer(segment(40000, MSS, 700, ACK));
		offer(segment(40000, MSS + 700, 700, ACK));
		coalescer.flush(null);
		assertThat(written).extracting(Written::packets).containsExactly(2, 1);
	}

	@Test
	void interleavedFlowsAreMergedEachOnItsOwn() {
		for (int i = 0; i < 3; i++) {
			offer(segment(40000, i * MSS, MSS, ACK));
			offer(segment(40001, i * MSS, MSS, ACK));
		}
		coalescer.flush(null);
		assertThat(written).extracting(Written::packets).containsExactly(3, 3);
		assertThat(written).extracting(w -> w.packet().getShort(20) & 0xFFFF).containsExactlyInAnyOrder(40000, 40001);
	}

	@Test
	void moreFlowsThanItHoldsPushTheOldestOut() {
		for (int f = 0; f <= Coalescer.FLOWS; f++) {
			offer(segment(41000 + f, 0, MSS, ACK));
		}
		assertThat(written).singleElement().satisfies(w -> assertThat(w.packet().getShort(20) & 0xFFFF).isEqualTo(41000));
		coalescer.flush(null);
		assertThat(written).hasSize(Coalescer.FLOWS + 1);
	}

	@Test
	void otherPacketsAreLeftToTheCaller() {
		ByteBuffer udp = segment(40000, 0, 100, ACK);
		udp.put(udp.position() + 9, (byte) 17);
		ByteBuffer ack = segment(40000, 0, 0, ACK);
		ByteBuffer fragment = segment(40000, 0, 100, ACK);
		fragment.putShort(fragment.position() + 6, (short) 0x2000);
		assertThat(offer(udp)).isFalse();
		assertThat(offer(ack)).as("no payload").isFalse();
		assertThat(offer(fragment)).isFalse();
		coalescer.flush(null);
		assertThat(written).isEmpty();
	}

	@Test
	void aMergedSegmentStopsShortOfTheIpLengthLimit() {
		int mss = 8000;
		for (int i = 0; i < 10; i++) {
			offer(segment(40000, i * mss, mss, ACK));
		}
		coalescer.flush(null);
		assertThat(written).extracting(Written::packets).containsExactly(8, 2);
		assertThat(written).allSatisfy(w -> assertThat(w.packet().limit()).isLessThanOrEqualTo(65535));
	}

	static byte[] bytes(ByteBuffer p) {
		byte[] b = new byte[p.limit() - p.position()];
		p.get(p.position(), b);
		return b;
	}
}

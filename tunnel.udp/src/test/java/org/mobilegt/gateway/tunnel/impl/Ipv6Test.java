package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.tunnel.api.DropReason;

/** The IPv6 checks: lengths, MTU and every rule of the extension-header walk. */
class Ipv6Test {

	/** fd00:4d::2, what {@link #packet} puts as source. */
	static final long HI = 0xFD00004D00000000L;
	static final long LO = 2;
	/** 2001:db8::1, what {@link #packet} puts as destination. */
	static final long DST_HI = 0x20010DB800000000L;
	static final long DST_LO = 1;

	/**
	 * An IPv6 packet from {@link #HI}:{@link #LO}: the fixed header, then {@code chain} (extension
	 * headers and upper-layer header, next-header fields as given), then zero bytes up to
	 * {@code payload} (the payload length field; a longer chain stays in the buffer behind it); the
	 * first next-header is {@code first}.
	 */
	static ByteBuffer packet(int first, int payload, byte... chain) {
		ByteBuffer p = ByteBuffer.allocate(Ipv6.HEADER + Math.max(payload, chain.length));
		p.put(0, (byte) 0x60).putShort(4, (short) payload).put(6, (byte) first).put(7, (byte) 64);
		p.putLong(8, HI).putLong(16, LO).putLong(24, DST_HI).putLong(32, DST_LO);
		p.put(Ipv6.HEADER, chain);
		return p;
	}

	/** A UDP packet with {@code data} bytes of data. */
	static ByteBuffer udp(int data) {
		return packet(Ipv6.UDP, 8 + data);
	}

	/** An 8-byte extension header (hop-by-hop, destination options, routing) naming {@code next}. */
	static byte[] ext(int next) {
		return new byte[] { (byte) next, 0, 0, 0, 0, 0, 0, 0 };
	}

	/** A fragment header naming {@code next}, at {@code offset} bytes, more fragments or not. */
	static byte[] fragment(int next, int offset, boolean more) {
		int field = (offset / 8) << 3 | (more ? 1 : 0);
		return new byte[] { (byte) next, 0, (byte) (field >>> 8), (byte) field, 0, 0, 0, 7 };
	}

	static byte[] concat(byte[]... parts) {
		ByteBuffer b = ByteBuffer.allocate(1024);
		for (byte[] p : parts) {
			b.put(p);
		}
		byte[] out = new byte[b.position()];
		b.flip().get(out);
		return out;
	}

	@Test
	void aWellFormedPacketPassesAndTrailingBytesAreCut() {
		ByteBuffer p = ByteBuffer.allocate(Ipv6.HEADER + 40).put(udp(20));
		p.clear();
		assertThat(Ipv6.check(p, 1400)).isNull();
		assertThat(p.limit()).isEqualTo(Ipv6.HEADER + 28);
		assertThat(Ipv6.sourceHi(p)).isEqualTo(HI);
		assertThat(Ipv6.sourceLo(p)).isEqualTo(LO);
		assertThat(Ipv6.destinationHi(p)).isEqualTo(DST_HI);
		assertThat(Ipv6.destinationLo(p)).isEqualTo(DST_LO);
	}

	@Test
	void lengthsAndMtuSayWhy() {
		assertThat(Ipv6.check(ByteBuffer.allocate(39).put(0, (byte) 0x60), 1400)).isEqualTo(DropReason.TRUNCATED);
		assertThat(Ipv6.check(udp(20).limit(Ipv6.HEADER + 27), 1400)).as("payload length beyond the datagram")
				.isEqualTo(DropReason.TRUNCATED);
		assertThat(Ipv6.check(packet(Ipv6.UDP, 0), 1400)).as("a jumbogram's zero length").isEqualTo(DropReason.MALFORMED);
		assertThat(Ipv6.check(udp(1400 - 48), 1400)).isNull();
		assertThat(Ipv6.check(udp(1400 - 47), 1400)).isEqualTo(DropReason.OVERSIZED);
	}

	@Test
	void upperLayerHeadersMustBeWhole() {
		assertThat(Ipv6.check(packet(Ipv6.UDP, 7), 1400)).isEqualTo(DropReason.TRUNCATED);
		assertThat(Ipv6.check(packet(Ipv6.ICMPV6, 3), 1400)).isEqualTo(DropReason.TRUNCATED);
		assertThat(Ipv6.check(packet(Ipv6.ICMPV6, 8), 1400)).isNull();
		assertThat(Ipv6.check(packet(Ipv6.TCP, 19), 1400)).isEqualTo(DropReason.TRUNCATED);
		byte[] tcp = new byte[20];
		tcp[12] = (byte) 0x80; // 32-byte header with options
		assertThat(Ipv6.check(packet(Ipv6.TCP, 28, tcp), 1400)).isEqualTo(DropReason.TRUNCATED);
		assertThat(Ipv6.check(packet(Ipv6.TCP, 32, tcp), 1400)).isNull();
		assertThat(Ipv6.check(packet(Ipv6.NO_NEXT, 4), 1400)).as("no next header: nothing to read").isNull();
		assertThat(Ipv6.check(packet(50, 1), 1400)).as("ESP is opaque").isNull();
	}

	@Test
	void aChainIsWalkedToItsUpperLayer() {
		byte[] chain = concat(ext(Ipv6.DESTINATION), ext(Ipv6.ROUTING), ext(Ipv6.AH), new byte[] { Ipv6.UDP, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
				new byte[8]);
		assertThat(Ipv6.check(packet(Ipv6.HOP_BY_HOP, chain.length, chain), 1400)).isNull();
		assertThat(Ipv6.check(packet(Ipv6.HOP_BY_HOP, chain.length - 1, chain), 1400)).as("the UDP header cut")
				.isEqualTo(DropReason.TRUNCATED);
		byte[] longOptions = ext(Ipv6.UDP);
		longOptions[1] = 2; // 24 bytes claimed
		assertThat(Ipv6.check(packet(Ipv6.DESTINATION, 16, longOptions), 1400)).isEqualTo(DropReason.TRUNCATED);
		assertThat(Ipv6.check(packet(Ipv6.DESTINATION, 4, longOptions), 1400)).as("not even 8 bytes").isEqualTo(DropReason.TRUNCATED);
	}

	@Test
	void aChainThatCouldHideSomethingIsMalformed() {
		byte[] eight = new byte[0];
		for (int i = 0; i < Ipv6.MAX_EXTENSIONS; i++) {
			eight = concat(eight, ext(Ipv6.DESTINATION));
		}
		assertThat(Ipv6.check(packet(Ipv6.DESTINATION, eight.length + 8, eight), 1400)).as("one header too many")
				.isEqualTo(DropReason.MALFORMED);
		byte[] seven = concat(java.util.Arrays.copyOf(eight, eight.length - 8), ext(Ipv6.NO_NEXT));
		assertThat(Ipv6.check(packet(Ipv6.DESTINATION, seven.length, seven), 1400)).as("as many as allowed").isNull();
		byte[] lateHopByHop = concat(ext(Ipv6.HOP_BY_HOP), ext(Ipv6.NO_NEXT));
		assertThat(Ipv6.check(packet(Ipv6.DESTINATION, 16, lateHopByHop), 1400)).isEqualTo(DropReason.MALFORMED);
		byte[] sourceRouted = ext(Ipv6.NO_NEXT);
		sourceRouted[3] = 1; // segments left
		assertThat(Ipv6.check(packet(Ipv6.ROUTING, 8, sourceRouted), 1400)).isEqualTo(DropReason.MALFORMED);
	}

	@Test
	void fragmentsAreCheckedWithoutState() {
		byte[] first = concat(fragment(Ipv6.UDP, 0, true), new byte[16]);
		assertThat(Ipv6.check(packet(Ipv6.FRAGMENT, first.length, first), 1400)).isNull();
		byte[] cutChain = concat(fragment(Ipv6.DESTINATION, 0, false), new byte[4]);
		assertThat(Ipv6.check(packet(Ipv6.FRAGMENT, cutChain.length, cutChain), 1400)).as("a first fragment without its whole chain")
				.isEqualTo(DropReason.TRUNCATED);
		byte[] cutTcp = concat(fragment(Ipv6.TCP, 0, true), new byte[8]);
		assertThat(Ipv6.check(packet(Ipv6.FRAGMENT, cutTcp.length, cutTcp), 1400)).as("the TCP header is not in it")
				.isEqualTo(DropReason.TRUNCATED);
		byte[] odd = concat(fragment(Ipv6.UDP, 0, true), new byte[12]);
		assertThat(Ipv6.check(packet(Ipv6.FRAGMENT, odd.length, odd), 1400)).as("not a multiple of 8 and more to come")
				.isEqualTo(DropReason.MALFORMED);
		byte[] later = concat(fragment(Ipv6.TCP, 1448, false), new byte[3]);
		assertThat(Ipv6.check(packet(Ipv6.FRAGMENT, later.length, later), 1400)).as("a later fragment is data only").isNull();
		byte[] beyond = concat(fragment(Ipv6.UDP, 65528, false), new byte[16]);
		assertThat(Ipv6.check(packet(Ipv6.FRAGMENT, beyond.length, beyond), 1400)).as("ends beyond 65535")
				.isEqualTo(DropReason.MALFORMED);
		byte[] twice = concat(fragment(Ipv6.FRAGMENT, 0, false), fragment(Ipv6.UDP, 0, false), new byte[8]);
		assertThat(Ipv6.check(packet(Ipv6.FRAGMENT, twice.length, twice), 1400)).as("two fragment headers")
				.isEqualTo(DropReason.MALFORMED);
		byte[] atomic = concat(fragment(Ipv6.UDP, 0, false), new byte[9]);
		assertThat(Ipv6.check(packet(Ipv6.FRAGMENT, atomic.length, atomic), 1400)).as("an atomic fragment (RFC 6946)").isNull();
	}
}

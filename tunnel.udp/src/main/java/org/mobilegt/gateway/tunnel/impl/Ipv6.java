package org.mobilegt.gateway.tunnel.impl;

import java.nio.ByteBuffer;

import org.mobilegt.gateway.tunnel.api.DropReason;

/**
 * Reading and checking IPv6 packets (RFC 8200) for the data path, without copying or allocating.
 * <p>
 * The extension-header chain is walked to its end so that a client cannot send what the kernel
 * or the nft table would read differently from us: at most {@link #MAX_EXTENSIONS} headers, each
 * within the packet, hop-by-hop only first, one fragment header, and no routing header with
 * segments left (the destination the table checks is the one the packet goes to). Fragments are
 * stateless here: every fragment's source is the lease (fixed header), a first fragment must hold
 * the whole chain and its upper-layer header (RFC 7112), a fragment that is not the last carries a
 * multiple of 8 bytes and none ends beyond 65535 (RFC 8200 4.5: the kernel refuses both); later
 * fragments are forwarded as they are and overlaps are left to the kernel's reassembly, which
 * drops the whole datagram (RFC 5722).
 */
final class Ipv6 {

	static final int HEADER = 40;
	/** More extension headers than any real stack sends; a longer chain is an attempt to hide. */
	static final int MAX_EXTENSIONS = 8;
	static final int HOP_BY_HOP = 0;
	static final int TCP = 6;
	static final int UDP = 17;
	static final int ROUTING = 43;
	static final int FRAGMENT = 44;
	static final int AH = 51;
	static final int ICMPV6 = 58;
	static final int NO_NEXT = 59;
	static final int DESTINATION = 60;
	private static final int MAX_DATAGRAM = 65535;
	/** fe80::/10, the top 10 bits of an address's upper half. */
	private static final long LINK_LOCAL = 0xFE80_0000_0000_0000L;
	private static final long LINK_LOCAL_MASK = 0xFFC0_0000_0000_0000L;

	private Ipv6() {
	}

	/**
	 * Checks the IPv6 packet between the position and the limit of {@code p}: payload length, MTU
	 * and the extension-header chain. Returns null when it may be forwarded, with the limit set to
	 * its end (trailing bytes dropped); otherwise why not.
	 */
	static DropReason check(ByteBuffer p, int mtu) {
		int start = p.position();
		if (p.remaining() < HEADER) {
			return DropReason.TRUNCATED;
		}
		int payload = Short.toUnsignedInt(p.getShort(start + 4));
		if (payload == 0) {
			return DropReason.MALFORMED; // a jumbogram (RFC 2675): never within a tunnel's MTU
		}
		int total = HEADER + payload;
		if (total > p.remaining()) {
			return DropReason.TRUNCATED;
		}
		if (total > mtu) {
			return DropReason.OVERSIZED;
		}
		p.limit(start + total);
		return chain(p, start, start + total);
	}

	private static DropReason chain(ByteBuffer p, int start, int end) {
		int next = p.get(start + 6) & 0xFF;
		int at = start + HEADER;
		boolean fragmented = false;
		for (int n = 0; isExtension(next); n++) {
			if (n == MAX_EXTENSIONS || (next == HOP_BY_HOP && n > 0) || (next == FRAGMENT && fragmented)) {
				return DropReason.MALFORMED;
			}
			if (at + 8 > end) {
				return DropReason.TRUNCATED; // every extension header has at least 8 bytes
			}
			int length;
			if (next == FRAGMENT) {
				fragmented = true;
				length = 8;
				DropReason why = fragment(p, at, end);
				if (why != null || fragmentOffset(p, at) != 0) {
					return why; // a later fragment: what follows is data, its chain is in the first
				}
			} else if (next == AH) {
				length = ((p.get(at + 1) & 0xFF) + 2) * 4;
			} else {
				if (next == ROUTING && p.get(at + 3) != 0) {
					return DropReason.MALFORMED; // segments left: the packet would go elsewhere
				}
				length = ((p.get(at + 1) & 0xFF) + 1) * 8;
			}
			if (at + length > end) {
				return DropReason.TRUNCATED;
			}
			next = p.get(at) & 0xFF;
			at += length;
		}
		return upperLayer(p, next, at, end);
	}

	private static boolean isExtension(int next) {
		return next == HOP_BY_HOP || next == ROUTING || next == FRAGMENT || next == AH || next == DESTINATION;
	}

	private static int fragmentOffset(ByteBuffer p, int at) {
		return (Short.toUnsignedInt(p.getShort(at + 2)) >>> 3) * 8;
	}

	/** The fragment header at {@code at}: sizes the kernel would refuse to reassemble. */
	private static DropReason fragment(ByteBuffer p, int at, int end) {
		boolean more = (p.get(at + 3) & 1) != 0;
		int data = end - at - 8;
		if (more && data % 8 != 0 || fragmentOffset(p, at) + data > MAX_DATAGRAM) {
			return DropReason.MALFORMED;
		}
		return null;
	}

	/** The upper-layer header at {@code at} is whole where the packet (or first fragment) names it. */
	private static DropReason upperLayer(ByteBuffer p, int next, int at, int end) {
		int need = switch (next) {
			case TCP -> at + 13 <= end ? Math.max(20, ((p.get(at + 12) & 0xF0) >>> 4) * 4) : 20;
			case UDP -> 8;
			case ICMPV6 -> 4;
			default -> 0;
		};
		return at + need > end ? DropReason.TRUNCATED : null;
	}

	/** Bits 127-64 of the source address of the IPv6 packet starting at the position. */
	static long sourceHi(ByteBuffer p) {
		return p.getLong(p.position() + 8);
	}

	static long sourceLo(ByteBuffer p) {
		return p.getLong(p.position() + 16);
	}

	/** Whether the source is link-local (fe80::/10) or unspecified (::): link chatter, never routed. */
	static boolean linkScopedSource(ByteBuffer p) {
		long hi = sourceHi(p);
		return (hi & LINK_LOCAL_MASK) == LINK_LOCAL || hi == 0 && sourceLo(p) == 0;
	}

	/** Bits 127-64 of the destination address of the IPv6 packet starting at the position. */
	static long destinationHi(ByteBuffer p) {
		return p.getLong(p.position() + 24);
	}

	static long destinationLo(ByteBuffer p) {
		return p.getLong(p.position() + 32);
	}
}

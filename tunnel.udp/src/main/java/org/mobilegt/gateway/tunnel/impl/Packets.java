package org.mobilegt.gateway.tunnel.impl;

import java.nio.ByteBuffer;

import org.mobilegt.gateway.tunnel.api.DropReason;

/** Reading what the data path needs from IP headers, without copying. */
final class Packets {

	static final int IPV4_HEADER = 20;

	private Packets() {
	}

	/**
	 * Checks the IPv4 packet between the position and the limit of {@code p}: version, header
	 * length, total length, MTU. Returns null when the packet may be forwarded, with the limit set
	 * to the IP total length (trailing bytes dropped); otherwise why not.
	 */
	static DropReason checkIpv4(ByteBuffer p, int mtu) {
		int start = p.position();
		int length = p.remaining();
		if (length == 0) {
			return DropReason.TRUNCATED;
		}
		int version = (p.get(start) & 0xF0) >>> 4;
		if (version != 4) {
			return version == 6 ? DropReason.IPV6 : DropReason.NOT_IP;
		}
		if (length < IPV4_HEADER) {
			return DropReason.TRUNCATED;
		}
		int headerLength = (p.get(start) & 0x0F) * 4;
		int total = Short.toUnsignedInt(p.getShort(start + 2));
		if (headerLength < IPV4_HEADER || total < headerLength || total > length) {
			return DropReason.TRUNCATED;
		}
		if (total > mtu) {
			return DropReason.OVERSIZED;
		}
		p.limit(start + total);
		return null;
	}

	/** The source address of the IPv4 packet starting at the position. */
	static int source(ByteBuffer p) {
		return p.getInt(p.position() + 12);
	}

	/** The destination address of the IPv4 packet starting at the position. */
	static int destination(ByteBuffer p) {
		return p.getInt(p.position() + 16);
	}
}

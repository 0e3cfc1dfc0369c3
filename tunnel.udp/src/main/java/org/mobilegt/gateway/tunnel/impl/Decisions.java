package org.mobilegt.gateway.tunnel.impl;

import java.nio.ByteBuffer;

import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.session.api.Session;
import org.mobilegt.gateway.session.api.SessionManager;
import org.mobilegt.gateway.tunnel.api.DropReason;

/**
 * What the data path does with one datagram or packet, decided apart from doing it: each method
 * returns null for "forward" or the reason to drop, and neither counts, logs, sends nor allocates.
 * The pumps act on the answer. The only thing a decision changes is the limit of a packet, trimmed
 * to its IP length ({@link Packets#checkIpv4}, {@link Ipv6#check}).
 */
final class Decisions {

	private Decisions() {
	}

	// ---- UDP to TUN

	/** A received datagram, before anything is read from it. */
	static DropReason received(boolean truncated, int length) {
		if (truncated) {
			return DropReason.OVERSIZED;
		}
		return length == 0 ? DropReason.TRUNCATED : null;
	}

	/**
	 * A handshake ({@code length} bytes with the leading 0). Longer ones are dropped before they
	 * are copied or checked: a key and a 64-byte id fit easily.
	 */
	static DropReason handshake(int length) {
		return length > Control.MAX_HANDSHAKE ? DropReason.MALFORMED : null;
	}

	/**
	 * A data datagram from a session holding lease {@code lease} and IPv6 lease {@code hi:lo} (both
	 * 0: none), bound for a TUN device of {@code mtu} (0: there is none) that takes offload headers
	 * or not. Whether the client is within its share is asked after this, so that only packets that
	 * would be forwarded spend it.
	 */
	static DropReason data(ByteBuffer p, int lease, long hi, long lo, int mtu, boolean offload) {
		if (p.remaining() > 0 && (p.get(p.position()) & 0xF0) == 0x60) {
			return data6(p, hi, lo, mtu);
		}
		DropReason why = Packets.checkIpv4(p, mtu == 0 ? Integer.MAX_VALUE : mtu);
		if (why != null) {
			return why;
		}
		if (Packets.source(p) != lease) {
			return DropReason.SPOOFED;
		}
		if (mtu == 0) {
			return DropReason.NO_TUN;
		}
		// the kernel's offload path would refuse a TCP packet without its whole header
		return offload && !Coalescer.wellFormed(p) ? DropReason.TRUNCATED : null;
	}

	/**
	 * An IPv6 packet: dropped as IPV6 for a session without an IPv6 lease, as LINK_LOCAL from a
	 * link-scoped source, else checked like IPv4.
	 */
	private static DropReason data6(ByteBuffer p, long hi, long lo, int mtu) {
		if (hi == 0 && lo == 0) {
			return DropReason.IPV6;
		}
		DropReason why = Ipv6.check(p, mtu == 0 ? Integer.MAX_VALUE : mtu);
		if (why != null) {
			return why;
		}
		if (Ipv6.sourceHi(p) != hi || Ipv6.sourceLo(p) != lo) { // a lease is never link-scoped (Subnet6)
			return Ipv6.linkScopedSource(p) ? DropReason.LINK_LOCAL : DropReason.SPOOFED;
		}
		return mtu == 0 ? DropReason.NO_TUN : null;
	}

	/**
	 * Data ({@code p}, or null for a keepalive) from an endpoint without a session: REBINDING when
	 * its source is the live lease of a session from the same address (that client behind a NAT
	 * that changed its port), otherwise UNKNOWN_ENDPOINT.
	 */
	static DropReason unknown(long endpoint, ByteBuffer p, SessionManager sessions) {
		Session owner = null;
		if (p != null && p.remaining() >= Packets.IPV4_HEADER && (p.get(p.position()) & 0xF0) == 0x40) {
			owner = sessions.byTunnelAddress(Packets.source(p));
		} else if (p != null && p.remaining() >= Ipv6.HEADER && (p.get(p.position()) & 0xF0) == 0x60) {
			owner = sessions.byTunnelAddress6(Ipv6.sourceHi(p), Ipv6.sourceLo(p));
		}
		boolean rebinding = owner != null && EndpointKey.host(owner.endpoint()) == EndpointKey.host(endpoint);
		return rebinding ? DropReason.REBINDING : DropReason.UNKNOWN_ENDPOINT;
	}

	// ---- TUN to UDP

	/** A read from a TUN device with offloads: {@link Offload#HEADER} bytes, then the packet. */
	static DropReason offloaded(ByteBuffer read) {
		if (read.remaining() <= Offload.HEADER) {
			return DropReason.TRUNCATED;
		}
		int type = Offload.gsoType(read, read.position());
		return type == Offload.GSO_NONE || type == Offload.GSO_TCPV4 ? null : DropReason.NOT_IP;
	}

	/** A packet from the TUN device, to be looked up by its destination: IPv4 or IPv6 with a whole header. */
	static DropReason outbound(ByteBuffer p) {
		int version = (p.get(p.position()) & 0xF0) >>> 4;
		if (version == 4 || version == 6) {
			return p.remaining() >= (version == 4 ? Packets.IPV4_HEADER : Ipv6.HEADER) ? null : DropReason.TRUNCATED;
		}
		return DropReason.NOT_IP;
	}
}

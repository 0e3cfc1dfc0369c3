package org.mobilegt.gateway.tunnel.api;

/**
 * Why the tunnel dropped a datagram or packet. These counters count packets, each exactly once
 * (forwarded plus dropped is everything received); attempts (who tried what) are counted by the
 * security log ({@code org.mobilegt.gateway.security.api.SecurityLog}), to which the tunnel reports
 * some of these drops as one attempt each, never as a second packet count.
 */
public enum DropReason {
	/**
	 * Too short to be an IP packet, its header length/total length is inconsistent, or an IPv6
	 * header chain or upper-layer header is cut.
	 */
	TRUNCATED,
	/** Larger than the MTU. */
	OVERSIZED,
	/** Neither IPv4 nor IPv6. */
	NOT_IP,
	/** An IPv6 packet from a session without an IPv6 lease (mobilegt.tun subnet6 empty: IPv6 is off). */
	IPV6,
	/**
	 * A control message that is neither a keepalive nor a handshake; or an IPv6 packet the kernel
	 * would refuse or whose extension headers could hide its path (see the README's IPv6 part).
	 */
	MALFORMED,
	/** Data from an endpoint without a session. */
	UNKNOWN_ENDPOINT,
	/** Source address is not the client's lease. */
	SPOOFED,
	/** Handshake refused (bad key, unknown id, banned). */
	HANDSHAKE_REFUSED,
	/** Source throttled or banned: dropped without work. */
	THROTTLED,
	/** Handshake accepted but no address could be leased. */
	POOL_EXHAUSTED,
	/** Packet from the TUN to an address no session holds. */
	NO_SESSION,
	/** The TUN device is not attached. */
	NO_TUN,
	/** No session manager or key check available (e.g. during a bundle update). */
	NO_SERVICE,
	/** The control worker queue was full. */
	BUSY,
	/** The kernel refused a write to the TUN. */
	TUN_WRITE_ERROR,
	/** The kernel refused a send on the UDP socket. */
	UDP_SEND_ERROR,
	/** Dropped by a client's share limit. */
	RATE_LIMITED,
	/** Data from an unknown endpoint whose inner source is the live lease of a session from the same address: a NAT rebinding (hinted to handshake again). */
	REBINDING,
	/** Handshake accepted, but its source address already has its share of sessions or new leases. */
	SOURCE_LIMIT,
	/** Handshake accepted, but not answered: the reply budget of its source or of the gateway is spent. */
	REPLY_LIMITED,
	/** The same endpoint's handshake again within a second: the reply burst already sent answers it. */
	HANDSHAKE_REPEATED,
	/**
	 * An IPv6 packet from a link-local or the unspecified source: the client kernel's own link
	 * chatter (router solicitations, MLD reports, duplicate address detection), which no router
	 * forwards (RFC 4291). Not spoofing: not reported to the security log.
	 */
	LINK_LOCAL
}

package org.mobilegt.gateway.net.api;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * UDP endpoints of both families packed into a long so that the data path can look sessions up
 * without allocating. {@link IpEndpoint} is the same thing as an object, for configuration.
 * <ul>
 * <li>IPv4: {@code address << 16 | port} (48 bits).</li>
 * <li>IPv6: {@code 1 << 62 | id << 16 | port}, where id names the 128-bit address in a bounded
 * intern table ({@value #IPV6_ADDRESSES} addresses) shared by every bundle. An IPv4-mapped
 * address ({@code ::ffff:a.b.c.d}, what a dual-stack socket reports for IPv4 senders) gets the
 * IPv4 key.</li>
 * </ul>
 * The table lives here, next to the codec, because keys cross bundles (the session manager keeps
 * them, logs and consoles print them): any bundle can decode any key without a service. Whoever
 * keeps an IPv6 key beyond the datagram at hand (a session) {@link #retain}s it; addresses nobody
 * retains are evicted, oldest first, when the table is full, and their old keys resolve to nothing
 * (formatted as {@code [forgotten]:port}), never to another address. Recently closed endpoints
 * (the re-handshake hint) do not retain theirs: a key holder roaming through many sources could
 * otherwise pin the whole table; under such a flood an old endpoint's late packets get no hint.
 * <p>
 * Per-source limits key a sender by {@link #source}: its IPv4 address, or its IPv6 /64, since one
 * subscriber usually holds a whole /64.
 */
public final class EndpointKey {

	/** How many IPv6 addresses the key table holds at most. */
	public static final int IPV6_ADDRESSES = 1 << Ipv6Interns.ENTRY_BITS;
	/** The tag of IPv6 keys; IPv4 keys use the low 48 bits only. */
	static final long IPV6 = 1L << 62;
	/** No key: an IPv6 address that could not get one because every entry is retained. */
	public static final long NONE = -1;
	private static final long IPV4_SOURCES = 0xFFFF_FFFF_0000_0000L;

	private static final Ipv6Interns INTERNS = new Ipv6Interns(IPV6_ADDRESSES);

	private EndpointKey() {
	}

	/** The key of an IPv4 endpoint. */
	public static long key(int address, int port) {
		return (address & 0xFFFFFFFFL) << 16 | (port & 0xFFFF);
	}

	/**
	 * The key of an IPv6 endpoint (the IPv4 key of a v4-mapped address), interned if new: no
	 * allocation for a known address. {@link #NONE} if the table is full of retained addresses.
	 */
	public static long key6(long high, long low, int port) {
		return key6(INTERNS, high, low, port);
	}

	static long key6(Ipv6Interns interns, long high, long low, int port) {
		if (high == 0 && low >>> 32 == 0xFFFF) {
			return key((int) low, port);
		}
		long id = interns.id(high, low);
		return id < 0 ? NONE : IPV6 | id << 16 | (port & 0xFFFF);
	}

	public static boolean isIpv6(long key) {
		return (key & IPV6) != 0;
	}

	/** The IPv4 address of an IPv4 key (meaningless for IPv6 keys: see {@link #host}). */
	public static int address(long key) {
		return (int) (key >>> 16);
	}

	public static int port(long key) {
		return (int) (key & 0xFFFF);
	}

	/** The same value for every endpoint of one address, whichever the family. */
	public static long host(long key) {
		return key >>> 16;
	}

	/**
	 * The sender as per-source limits see it: the IPv4 address, or the IPv6 /64 (its high 64 bits).
	 * IPv4 sources are folded into ffff:ffff::/32, multicast space no datagram comes from, so the
	 * two never collide. {@link #NONE} for a forgotten IPv6 key.
	 */
	public static long source(long key) {
		if (!isIpv6(key)) {
			return IPV4_SOURCES | address(key) & 0xFFFF_FFFFL;
		}
		IpAddress a = INTERNS.address(id(key));
		return a == null ? NONE : a.high();
	}

	/** {@link #source} of an address given as Java holds it. */
	public static long source(InetAddress address) {
		IpAddress a = IpAddress.of(address);
		if (a.isIpv4Mapped()) {
			a = IpAddress.ofIpv4((int) a.low());
		}
		return a.isIpv4() ? IPV4_SOURCES | a.ipv4() & 0xFFFF_FFFFL : a.high();
	}

	/** "a.b.c.d" or "x:y::/64" of a {@link #source}. */
	public static String formatSource(long source) {
		if ((source & IPV4_SOURCES) == IPV4_SOURCES) {
			return IpAddress.formatIpv4((int) source);
		}
		return IpAddress.ofIpv6(source, 0) + "/64";
	}

	/** The key of a socket address of either family. */
	public static long key(InetSocketAddress address) {
		return key(IpEndpoint.of(address));
	}

	/** The key of an endpoint of either family. */
	public static long key(IpEndpoint endpoint) {
		IpAddress a = endpoint.address();
		return a.isIpv4() ? key(a.ipv4(), endpoint.port()) : key6(a.high(), a.low(), endpoint.port());
	}

	/** The endpoint of a key; null for a forgotten IPv6 key. */
	public static IpEndpoint toEndpoint(long key) {
		IpAddress a = isIpv6(key) ? INTERNS.address(id(key)) : IpAddress.ofIpv4(address(key));
		return a == null ? null : IpEndpoint.of(a, port(key));
	}

	/** "a.b.c.d:port" or "[x:y::z]:port" (RFC 5952); "[forgotten]:port" for a forgotten IPv6 key. */
	public static String format(long key) {
		if (!isIpv6(key)) {
			return IpAddress.formatIpv4(address(key)) + ":" + port(key);
		}
		IpEndpoint e = toEndpoint(key);
		return e == null ? "[forgotten]:" + port(key) : e.toString();
	}

	/** The address of a key as Java holds it; null for a forgotten IPv6 key. */
	public static InetAddress inetAddress(long key) {
		IpEndpoint e = toEndpoint(key);
		return e == null ? null : e.address().toInetAddress();
	}

	/**
	 * Writes the 16 bytes of an IPv6 key's address (an IPv4 key's as v4-mapped) at {@code offset}
	 * in network order, for a sockaddr_in6. False for a forgotten key. Allocation-free.
	 */
	public static boolean copyAddress6(long key, ByteBuffer to, int offset) {
		if (isIpv6(key)) {
			return INTERNS.copy(id(key), to, offset);
		}
		to.putLong(offset, 0).putInt(offset + 8, 0xFFFF).putInt(offset + 12, address(key));
		return true;
	}

	/**
	 * Keeps an IPv6 key's address in the table until {@link #release}; false if it is already
	 * forgotten. IPv4 keys need nothing (true).
	 */
	public static boolean retain(long key) {
		return !isIpv6(key) || INTERNS.retain(id(key));
	}

	/** Undoes one {@link #retain}. */
	public static void release(long key) {
		if (isIpv6(key)) {
			INTERNS.release(id(key));
		}
	}

	/** How many IPv6 addresses the table holds now. */
	public static int ipv6Addresses() {
		return INTERNS.size();
	}

	private static long id(long key) {
		return key >>> 16 & (1L << 46) - 1;
	}

	/** The 32-bit key of an IPv4 {@link InetAddress}; refuses IPv6. */
	public static int toInt(InetAddress address) {
		byte[] b = address.getAddress();
		if (b.length != 4) {
			throw new IllegalArgumentException("not an IPv4 address: " + address);
		}
		return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | b[3] & 0xFF;
	}

	public static InetAddress toInetAddress(int address) {
		return IpAddress.ofIpv4(address).toInetAddress();
	}
}

package org.mobilegt.gateway.net.api;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 address, immutable. Parsed from literals only (never a name lookup) and printed
 * canonically: dotted quad for IPv4, RFC 5952 for IPv6 (a v4-mapped address ends in a dotted quad).
 * The data path keys on {@link #ipv4()} or on {@link #high()} and {@link #low()} instead of objects.
 * An IPv4-mapped IPv6 address ({@code ::ffff:192.0.2.1}) stays IPv6: the families never mix silently.
 */
public final class IpAddress implements Comparable<IpAddress> {

	private static final long MAPPED_HIGH = 0L;
	private static final long MAPPED_LOW = 0xFFFF_0000_0000L;

	private final boolean ipv4;
	private final long high; // IPv6 bits 127-64; 0 for IPv4
	private final long low; // IPv6 bits 63-0; the IPv4 address, unsigned

	private IpAddress(boolean ipv4, long high, long low) {
		this.ipv4 = ipv4;
		this.high = high;
		this.low = low;
	}

	/**
	 * The address of a literal: {@code 192.0.2.1}, {@code 2001:db8::1}, {@code ::ffff:192.0.2.1}.
	 *
	 * @throws IllegalArgumentException naming the text and the rule it breaks: names, zones,
	 *                                  prefixes, spaces, IPv4 leading zeros and short forms are refused
	 */
	public static IpAddress parse(String text) {
		return Literals.address(text);
	}

	/** The IPv4 address of a literal, as its key; an IPv6 literal is refused. */
	public static int parseIpv4(String text) {
		IpAddress a = parse(text);
		if (!a.ipv4) {
			throw new IllegalArgumentException(Literals.quote(text) + " is not an IPv4 address: expected four decimal "
					+ "numbers 0-255 without leading zeros (192.0.2.1)");
		}
		return a.ipv4();
	}

	public static IpAddress ofIpv4(int address) {
		return new IpAddress(true, 0, address & 0xFFFF_FFFFL);
	}

	public static IpAddress ofIpv6(long high, long low) {
		return new IpAddress(false, high, low);
	}

	/** The address of 4 (IPv4) or 16 (IPv6) bytes in network order. */
	public static IpAddress of(byte[] bytes) {
		if (bytes.length == 4) {
			return ofIpv4((int) bits(bytes, 0, 4));
		}
		if (bytes.length == 16) {
			return ofIpv6(bits(bytes, 0, 8), bits(bytes, 8, 16));
		}
		throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + bytes.length);
	}

	/** The address of {@code address} as Java holds it (an IPv6 scope is dropped). */
	public static IpAddress of(InetAddress address) {
		return of(address.getAddress());
	}

	/** "a.b.c.d" of an IPv4 key, without making an {@link IpAddress}. */
	public static String formatIpv4(int a) {
		return (a >>> 24) + "." + (a >>> 16 & 0xFF) + "." + (a >>> 8 & 0xFF) + "." + (a & 0xFF);
	}

	public boolean isIpv4() {
		return ipv4;
	}

	public boolean isIpv6() {
		return !ipv4;
	}

	/** 32 for IPv4, 128 for IPv6. */
	public int bits() {
		return ipv4 ? 32 : 128;
	}

	/** The 32-bit key of an IPv4 address. */
	public int ipv4() {
		if (!ipv4) {
			throw new IllegalStateException(this + " is not an IPv4 address");
		}
		return (int) low;
	}

	/** Bits 127-64 of an IPv6 address, the first half of its key. */
	public long high() {
		requireIpv6();
		return high;
	}

	/** Bits 63-0 of an IPv6 address, the second half of its key. */
	public long low() {
		requireIpv6();
		return low;
	}

	private void requireIpv6() {
		if (ipv4) {
			throw new IllegalStateException(this + " is not an IPv6 address");
		}
	}

	/** An IPv6 address of the form {@code ::ffff:a.b.c.d} (RFC 4291 2.5.5.2). */
	public boolean isIpv4Mapped() {
		return !ipv4 && high == MAPPED_HIGH && (low & 0xFFFF_FFFF_0000_0000L) == MAPPED_LOW;
	}

	/** The address in network order: 4 or 16 bytes. */
	public byte[] bytes() {
		byte[] b = new byte[ipv4 ? 4 : 16];
		if (ipv4) {
			put(b, 0, low, 4);
		} else {
			put(b, 0, high, 8);
			put(b, 8, low, 8);
		}
		return b;
	}

	/**
	 * The address for Java's socket API (no name lookup is ever made). Java turns a v4-mapped
	 * address into an {@link java.net.Inet4Address}, so {@code of(toInetAddress())} of one is IPv4.
	 */
	public InetAddress toInetAddress() {
		try {
			return InetAddress.getByAddress(bytes());
		} catch (UnknownHostException e) {
			throw new AssertionError(e); // 4 or 16 bytes are always an address
		}
	}

	/** The same family's address with the lowest {@code hostBits} bits cleared. */
	IpAddress masked(int hostBits) {
		return new IpAddress(ipv4, high & ~ones(hostBits - 64), low & ~ones(hostBits));
	}

	/** Whether any of the lowest {@code hostBits} bits is set. */
	boolean anyBitSet(int hostBits) {
		return (high & ones(hostBits - 64)) != 0 || (low & ones(hostBits)) != 0;
	}

	/** n low bits set, n clamped to 0..64. */
	private static long ones(int n) {
		return n <= 0 ? 0 : n >= 64 ? -1L : (1L << n) - 1;
	}

	@Override
	public String toString() {
		if (ipv4) {
			return formatIpv4((int) low);
		}
		return isIpv4Mapped() ? "::ffff:" + formatIpv4((int) low) : Literals.ipv6(high, low);
	}

	@Override
	public boolean equals(Object o) {
		return o instanceof IpAddress a && a.ipv4 == ipv4 && a.high == high && a.low == low;
	}

	@Override
	public int hashCode() {
		return Long.hashCode(high * 31 + low) ^ (ipv4 ? 1 : 0);
	}

	/** IPv4 before IPv6, then by numeric value. */
	@Override
	public int compareTo(IpAddress o) {
		if (ipv4 != o.ipv4) {
			return ipv4 ? -1 : 1;
		}
		int c = Long.compareUnsigned(high, o.high);
		return c != 0 ? c : Long.compareUnsigned(low, o.low);
	}

	private static long bits(byte[] b, int from, int to) {
		long v = 0;
		for (int i = from; i < to; i++) {
			v = v << 8 | (b[i] & 0xFF);
		}
		return v;
	}

	private static void put(byte[] b, int at, long v, int n) {
		for (int i = 0; i < n; i++) {
			b[at + i] = (byte) (v >>> (8 * (n - 1 - i)));
		}
	}
}

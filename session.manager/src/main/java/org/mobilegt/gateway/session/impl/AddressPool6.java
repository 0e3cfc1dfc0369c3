package org.mobilegt.gateway.session.impl;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.net.api.IpPrefix;

/**
 * The IPv6 addresses of the client prefix that clients can lease, one /128 each: never the
 * prefix's {@code ::0} (the subnet-router anycast address, RFC 4291 2.6.1) nor {@code ::1} (the
 * gateway's own address on the TUN), nor excluded ones.
 * <p>
 * A fresh address has a random host part (interface id), not the next one after {@code ::2}:
 * sequential addresses let anyone who sees one client's address find the others in a few probes
 * and tell how many clients there are (RFC 7707, RFC 7721), while random ones out of a /64 cannot
 * be scanned. A small prefix (up to {@value #SMALL_BITS} host bits, e.g. a /120) is walked from a
 * random offset instead, so that its last free address is found too.
 * <p>
 * The low 64 bits of the leased addresses are kept unique in the pool (it matters only for a prefix
 * shorter than /64): the live-session index keys on them alone, without allocating.
 */
final class AddressPool6 {

	/** Host bits up to which allocation walks every address; above, random draws. */
	static final int SMALL_BITS = 16;
	private static final int DRAWS = 64;

	private final IpPrefix prefix;
	private final long high; // the prefix's bits 127-64
	private final long low; // the prefix's bits 63-0
	private final int hostBits;
	private final Set<IpAddress> excluded;
	/** Taken addresses by their low 64 bits: the high ones. */
	private final Map<Long, Long> taken = new HashMap<>();
	private final Random random;

	AddressPool6(String cidr, Set<IpAddress> excluded) {
		this(cidr, excluded, new SecureRandom());
	}

	AddressPool6(String cidr, Set<IpAddress> excluded, Random random) {
		IpPrefix p = IpPrefix.parse(cidr);
		if (p.isIpv4()) {
			throw new IllegalArgumentException(cidr + " is not an IPv6 prefix");
		}
		this.prefix = p;
		this.high = p.address().high();
		this.low = p.address().low();
		this.hostBits = p.hostBits();
		this.random = random;
		Set<IpAddress> own = new HashSet<>();
		for (IpAddress a : excluded) {
			if (a.isIpv6() && p.contains(a) && !router(a.high(), a.low())) {
				own.add(a); // ::0 and ::1 are never leased anyway: counted once in size()
			}
		}
		this.excluded = Set.copyOf(own);
	}

	String cidr() {
		return prefix.toString();
	}

	/** Addresses clients can get, Long.MAX_VALUE for a prefix with more. */
	long size() {
		if (hostBits >= 63) {
			return Long.MAX_VALUE;
		}
		return Math.max(0, (1L << hostBits) - 2 - excluded.size());
	}

	boolean contains(long hi, long lo) {
		return prefix.contains(IpAddress.ofIpv6(hi, lo));
	}

	/**
	 * Whether a client may hold {@code hi:lo}: in the prefix, neither ::0 nor ::1 of it, not
	 * excluded, and a usable index key.
	 */
	boolean leasable(long hi, long lo) {
		if (!contains(hi, lo) || lo == Long.MIN_VALUE || lo == Long.MIN_VALUE + 1) {
			return false; // the two keys the index reserves
		}
		return !router(hi, lo) && !excluded.contains(IpAddress.ofIpv6(hi, lo));
	}

	/** The prefix's ::0 (subnet-router anycast) or ::1 (the gateway). */
	private boolean router(long hi, long lo) {
		return hi == high && (lo == low || lo == low + 1);
	}

	/** Whether {@code hi:lo}, or another address with the same low 64 bits, is taken. */
	boolean taken(long lo) {
		return taken.containsKey(lo);
	}

	/** Whether {@code hi:lo} is free to take: leasable and its low bits unused. */
	boolean free(long hi, long lo) {
		return leasable(hi, lo) && !taken(lo);
	}

	/** Whether {@code hi:lo} may be put back: leasable and free, or taken by itself already. */
	boolean restorable(long hi, long lo) {
		Long holder = taken.get(lo);
		return leasable(hi, lo) && (holder == null || holder == hi);
	}

	void take(long hi, long lo) {
		taken.put(lo, hi);
	}

	void release(long hi, long lo) {
		taken.remove(lo, hi);
	}

	/** Takes a free address; null when none is left. */
	IpAddress allocate() {
		IpAddress a = hostBits <= SMALL_BITS ? walk() : draw();
		if (a != null) {
			take(a.high(), a.low());
		}
		return a;
	}

	/** Every host of a small prefix in turn, from a random one. */
	private IpAddress walk() {
		long hosts = 1L << hostBits;
		long start = hostBits == 0 ? 0 : random.nextLong(hosts);
		for (long i = 0; i < hosts; i++) {
			long lo = low + (start + i) % hosts; // a small prefix lies within the low 64 bits
			if (free(high, lo)) {
				return IpAddress.ofIpv6(high, lo);
			}
		}
		return null;
	}

	/** Random hosts: a collision in a large prefix is rare, {@value #DRAWS} in a row means it is full. */
	private IpAddress draw() {
		long hiMask = hostBits >= 128 ? -1L : hostBits > 64 ? (1L << (hostBits - 64)) - 1 : 0;
		long loMask = hostBits >= 64 ? -1L : (1L << hostBits) - 1;
		for (int i = 0; i < DRAWS; i++) {
			long hi = high | (random.nextLong() & hiMask);
			long lo = low | (random.nextLong() & loMask);
			if (free(hi, lo)) {
				return IpAddress.ofIpv6(hi, lo);
			}
		}
		return null;
	}

	/** The host's own IPv6 addresses: never leased to a client. */
	static Set<IpAddress> localAddresses() {
		Set<IpAddress> local = new HashSet<>();
		try {
			for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
				for (InetAddress a : Collections.list(nif.getInetAddresses())) {
					if (a instanceof Inet6Address) {
						local.add(IpAddress.of(a));
					}
				}
			}
		} catch (SocketException e) {
			// no interfaces listed: nothing extra to exclude
		}
		return local;
	}

	@Override
	public String toString() {
		long size = size();
		return cidr() + " (" + (size == Long.MAX_VALUE ? "2^" + hostBits + " - 2" : String.valueOf(size)) + " leasable addresses)";
	}
}

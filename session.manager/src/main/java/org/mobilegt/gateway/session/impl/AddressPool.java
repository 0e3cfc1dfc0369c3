package org.mobilegt.gateway.session.impl;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashSet;
import java.util.OptionalInt;
import java.util.Set;

import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.net.api.IpPrefix;

/**
 * The addresses of the client subnet that clients can lease: all hosts except the network and
 * broadcast addresses, the first host (the gateway's own tunnel-side address) and excluded ones.
 * Tracks which are taken; allocation walks a cursor so that released addresses are reused last.
 * <p>
 * Spread over {@code ways} (the tunnel's uplinks, which it picks by address mod ways), a fresh
 * address comes from the residue class with the fewest taken addresses that still has a free one,
 * so the uplinks carry as many clients each also after churn, when the free addresses after the
 * cursor no longer alternate.
 */
final class AddressPool {

	private final String cidr;
	private final int network;
	private final int hosts; // addresses from network+1 to broadcast-1
	private final BitSet unavailable;
	private final BitSet taken = new BitSet();
	private final int size;
	private int cursor;
	private int ways = 1;
	/** By residue class (address mod ways): the taken addresses, and all leasable ones. */
	private int[] takenByClass = { 0 };
	private int[] leasableByClass;

	AddressPool(String cidr, Set<Integer> excluded) {
		IpPrefix subnet = IpPrefix.parse(cidr);
		if (!subnet.isIpv4()) {
			throw new IllegalArgumentException(cidr + " is not an IPv4 subnet");
		}
		this.cidr = cidr;
		this.network = subnet.address().ipv4();
		long count = Math.max(0, (1L << subnet.hostBits()) - 2); // without the network and broadcast addresses
		this.hosts = (int) Math.min(count, Integer.MAX_VALUE - 1);
		this.unavailable = new BitSet(hosts);
		unavailable.set(0); // network + 1: the gateway's own address
		for (int a : excluded) {
			if (contains(a)) {
				unavailable.set(a - network - 1);
			}
		}
		this.size = hosts - unavailable.cardinality();
		this.leasableByClass = new int[] { size };
	}

	String cidr() {
		return cidr;
	}

	/** Addresses clients can get. */
	int size() {
		return size;
	}

	boolean contains(int address) {
		long offset = (address & 0xFFFFFFFFL) - (network & 0xFFFFFFFFL) - 1;
		return offset >= 0 && offset < hosts;
	}

	/** Whether a client may hold {@code address}: in the subnet and not reserved. */
	boolean leasable(int address) {
		return contains(address) && !unavailable.get(address - network - 1);
	}

	boolean taken(int address) {
		return contains(address) && taken.get(address - network - 1);
	}

	void take(int address) {
		int i = address - network - 1;
		if (!taken.get(i)) {
			taken.set(i);
			takenByClass[residue(i)]++;
		}
	}

	void release(int address) {
		int i = address - network - 1;
		if (contains(address) && taken.get(i)) {
			taken.clear(i);
			takenByClass[residue(i)]--;
		}
	}

	/**
	 * Spreads fresh addresses evenly over {@code ways} residue classes (address mod ways) from now
	 * on; 1: in turn. Counts the classes once, in the taken and reserved addresses only.
	 */
	void spread(int ways) {
		if (ways < 1) {
			throw new IllegalArgumentException("ways must be at least 1: " + ways);
		}
		this.ways = ways;
		takenByClass = new int[ways];
		leasableByClass = new int[ways];
		int first = residue(0);
		for (int c = 0; c < ways; c++) { // the offsets i with residue c: i = (c - first) mod ways, + ways, ...
			leasableByClass[c] = hosts / ways + (Math.floorMod(c - first, ways) < hosts % ways ? 1 : 0);
		}
		unavailable.stream().forEach(i -> leasableByClass[residue(i)]--);
		taken.stream().forEach(i -> takenByClass[residue(i)]++);
	}

	int ways() {
		return ways;
	}

	/** Takes the next free address after the cursor, wrapping around, in the emptiest class; empty when none is free. */
	OptionalInt allocate() {
		int wanted = emptiestClass();
		if (wanted < 0) {
			return OptionalInt.empty();
		}
		for (int pass = 0; pass < 2; pass++) {
			int from = pass == 0 ? cursor : 0;
			int to = pass == 0 ? hosts : cursor;
			for (int i = nextFree(from); i >= 0 && i < to; i = nextFree(i + 1)) {
				if (residue(i) == wanted) {
					taken.set(i);
					takenByClass[wanted]++;
					cursor = i + 1;
					return OptionalInt.of(network + 1 + i);
				}
			}
		}
		throw new IllegalStateException("class " + wanted + " of " + cidr + " counted a free address it does not have");
	}

	/** The class with the fewest taken addresses among those with a free one, or -1 when the pool is full. */
	private int emptiestClass() {
		int best = -1;
		for (int c = 0; c < ways; c++) {
			if (takenByClass[c] < leasableByClass[c] && (best < 0 || takenByClass[c] < takenByClass[best])) {
				best = c;
			}
		}
		return best;
	}

	/** The residue class of the address at offset {@code i}. */
	private int residue(int i) {
		return ways == 1 ? 0 : Integer.remainderUnsigned(network + 1 + i, ways);
	}

	private int nextFree(int from) {
		int i = from;
		while (i < hosts) {
			int a = unavailable.nextClearBit(i);
			int b = taken.nextClearBit(i);
			if (a == b) {
				return a < hosts ? a : -1;
			}
			i = Math.max(a, b);
		}
		return -1;
	}

	/** The host's own IPv4 addresses: never leased to a client. */
	static Set<Integer> localAddresses() {
		Set<Integer> local = new HashSet<>();
		try {
			for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
				for (InetAddress a : Collections.list(nif.getInetAddresses())) {
					if (a.getAddress().length == 4) {
						local.add(EndpointKey.toInt(a));
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
		return cidr + " (" + size + " leasable addresses)";
	}
}

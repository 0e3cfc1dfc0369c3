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
 */
final class AddressPool {

	private final String cidr;
	private final int network;
	private final int hosts; // addresses from network+1 to broadcast-1
	private final BitSet unavailable;
	private final BitSet taken = new BitSet();
	private final int size;
	private int cursor;

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
		taken.set(address - network - 1);
	}

	void release(int address) {
		if (contains(address)) {
			taken.clear(address - network - 1);
		}
	}

	/** Takes the next free address after the cursor, wrapping around; empty when none is free. */
	OptionalInt allocate() {
		for (int pass = 0; pass < 2; pass++) {
			int from = pass == 0 ? cursor : 0;
			int to = pass == 0 ? hosts : cursor;
			for (int i = nextFree(from); i >= 0 && i < to; i = nextFree(i + 1)) {
				taken.set(i);
				cursor = i + 1;
				return OptionalInt.of(network + 1 + i);
			}
		}
		return OptionalInt.empty();
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

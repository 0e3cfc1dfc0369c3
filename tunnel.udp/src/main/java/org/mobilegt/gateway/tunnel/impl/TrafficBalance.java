package org.mobilegt.gateway.tunnel.impl;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.mobilegt.gateway.common.LongMap;
import org.mobilegt.gateway.session.api.Session;

/**
 * Moves busy clients between the uplink sockets when steering by lease leaves one socket busier
 * than another. Fresh leases are spread over the sockets by count ({@code spreadLeases}), but
 * which clients will send, and how much, is not known at their handshake: four senders can land
 * three on one socket and one on the other, and each socket is read by one thread.
 * <p>
 * Once a tick it takes each session's data packets since the last tick and each socket's load:
 * what its sessions sent plus what the kernel dropped at the socket, for a thread that cannot
 * keep up carries less than its clients send. A session's demand is its packets scaled by its
 * socket's load over what the socket carried. While the busiest socket's load exceeds the
 * idlest's by more than an eighth, the busy session on the busiest socket whose demand comes
 * nearest to half the gap (and below the gap, so that the busiest load falls) moves to the idlest.
 * Only a session that sent {@link #MIN_PACKETS} in the tick moves: a move may reorder the few
 * packets queued on its old socket, once. A moved session stays moved while it lives and the
 * set of sockets is the same; the moves are at most {@link LeaseSteering#MAX_MOVED} keys.
 * <p>
 * A session is steered by its keys: its IPv4 address and the low 32 bits of its IPv6 address
 * (what the program compares, {@link #keys}); a dual-stack session's keys move together.
 */
final class TrafficBalance {

	/** Data packets in a tick (a second) that make a session worth moving. */
	static final long MIN_PACKETS = 1_000;
	private static final int MOVES_PER_TICK = 4;

	/**
	 * Every session's rxPackets at the last tick, by session id: {id, rxPackets, tick}, updated in
	 * place (thousands of sessions, each tick).
	 */
	private LongMap<long[]> seen = new LongMap<>();
	private long ticks;
	/** Each socket's dropped datagrams at the last tick (-1: unknown). */
	private long[] dropsSeen = new long[0];
	private UplinkSockets of;

	/** A session that sent in the tick, and where it is. */
	private static final class Sender {
		final int[] keys;
		final long packets;
		int on;
		/** Its packets scaled by its socket's load over what the socket carried. */
		long demand;

		Sender(int[] keys, long packets, int on) {
			this.keys = keys;
			this.packets = packets;
			this.on = on;
		}
	}

	/** Measures the tick just ended and moves sessions of {@code sockets} if they are uneven. */
	void tick(UplinkSockets sockets, Collection<Session> sessions) {
		if (UplinkSockets.leaseWays(sockets) < 2) {
			if (of != null) {
				of = null;
				seen = new LongMap<>();
			}
			return;
		}
		if (sockets != of) {
			of = sockets;
			seen = new LongMap<>();
			dropsSeen = new long[0];
		}
		long[] drops = sockets.all().stream().mapToLong(UdpSocket::drops).toArray();
		long[] lost = new long[drops.length];
		for (int i = 0; i < drops.length && dropsSeen.length == drops.length; i++) {
			lost[i] = drops[i] < 0 || dropsSeen[i] < 0 ? 0 : (drops[i] - dropsSeen[i]) & 0xFFFF_FFFFL;
		}
		dropsSeen = drops;
		Map<Integer, Integer> next = next(sessions, sockets.moved(), lost);
		if (next != null) {
			sockets.move(next);
		}
	}

	/**
	 * The moves after this tick, given those in force ({@code moved}: key to socket) and the
	 * datagrams each socket dropped in the tick ({@code lost}, one per socket); null when unchanged.
	 */
	Map<Integer, Integer> next(Collection<? extends Session> sessions, Map<Integer, Integer> moved, long[] lost) {
		int n = lost.length;
		long tick = ++ticks;
		Map<Integer, Integer> table = new HashMap<>();
		long[] carried = new long[n];
		List<Sender> busy = new ArrayList<>();
		for (Session s : sessions) {
			int[] keys = keys(s);
			if (keys.length == 0) {
				continue;
			}
			for (int k : keys) { // a live session's moves stay; a gone one's are dropped
				Integer to = moved.get(k);
				if (to != null) {
					table.put(k, to);
				}
			}
			long sent = sentSince(s, tick);
			if (sent > 0) {
				int on = socketOf(keys[0], n, moved);
				carried[on] += sent;
				if (sent >= MIN_PACKETS) {
					busy.add(new Sender(keys, sent, on));
				}
			}
		}
		seen.forEach(c -> {
			if (c[2] != tick) {
				seen.remove(c[0]); // gone
			}
		});
		long[] load = new long[n];
		for (int i = 0; i < n; i++) {
			load[i] = carried[i] + lost[i];
		}
		for (Sender b : busy) {
			b.demand = b.packets * load[b.on] / carried[b.on];
		}
		moveWhileUneven(busy, load, table, n);
		return table.equals(moved) ? null : table;
	}

	/** The data packets {@code s} sent since the last tick (0 when first seen), remembering them for the next. */
	private long sentSince(Session s, long tick) {
		long rx = s.rxPackets();
		long[] c = seen.get(s.id());
		if (c == null) {
			seen.put(s.id(), new long[] { s.id(), rx, tick });
			return 0;
		}
		long sent = rx - c[1];
		c[1] = rx;
		c[2] = tick;
		return Math.max(sent, 0);
	}

	private static void moveWhileUneven(List<Sender> busy, long[] load, Map<Integer, Integer> table, int n) {
		for (int m = 0; m < MOVES_PER_TICK; m++) {
			int hi = 0;
			int lo = 0;
			for (int i = 1; i < n; i++) {
				hi = load[i] > load[hi] ? i : hi;
				lo = load[i] < load[lo] ? i : lo;
			}
			long gap = load[hi] - load[lo];
			if (gap * 8 <= load[hi]) {
				return;
			}
			Sender best = null;
			for (Sender b : busy) {
				if (b.on == hi && b.demand < gap && (best == null || Math.abs(2 * b.demand - gap) < Math.abs(2 * best.demand - gap))) {
					best = b;
				}
			}
			if (best == null || table.size() + best.keys.length > LeaseSteering.MAX_MOVED) {
				return;
			}
			for (int k : best.keys) {
				if (Integer.remainderUnsigned(k, n) == lo) {
					table.remove(k); // home again: the remainder steers it there
				} else {
					table.put(k, lo);
				}
			}
			load[hi] -= best.demand;
			load[lo] += best.demand;
			best.on = lo;
		}
	}

	/** The socket {@code key}'s data reaches now. */
	private static int socketOf(int key, int n, Map<Integer, Integer> moved) {
		Integer to = moved.get(key);
		return to != null ? to : Integer.remainderUnsigned(key, n);
	}

	/** What the steering program compares for {@code s}: its IPv4 address, the low word of its IPv6 one. */
	static int[] keys(Session s) {
		int v4 = s.tunnelAddress();
		boolean v6 = s.tunnelAddress6Hi() != 0 || s.tunnelAddress6Lo() != 0;
		int low6 = (int) s.tunnelAddress6Lo();
		if (v4 != 0) {
			return v6 ? new int[] { v4, low6 } : new int[] { v4 };
		}
		return v6 ? new int[] { low6 } : new int[0];
	}
}

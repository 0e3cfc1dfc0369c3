package org.mobilegt.gateway.tunnel.impl;

import org.mobilegt.gateway.common.BoundedTable;

/**
 * What the tunnel may send in answer to datagrams nobody has proven to own their source address:
 * handshake replies (about 60 times the size of the handshake, and sent in several copies) and
 * re-handshake hints. Without a budget, a key holder could aim them at a spoofed victim.
 * <p>
 * Three limits: an endpoint gets at most one reply burst (or one hint) per second; a source
 * ({@link org.mobilegt.gateway.net.api.EndpointKey#source}: an IPv4 address or an IPv6 /64) and the whole gateway each get a byte rate with one second of burst. A reply over the
 * byte budget is not dropped but deferred (up to {@link #MAX_DELAY_NANOS}), because stock ToyVpn
 * clients send their handshake once and wait 5 s: a reconnect storm of many clients behind one
 * carrier-grade NAT address is served in turn instead of refused. Extra copies of a reply go only
 * where budget is left without deferring. Rates are kept as GCRA arrival times (one long per
 * source), and every table is bounded and forgets its oldest entries first.
 */
final class ReplyBudget {

	/** How long a reply may wait for budget: ToyVpn gives up 5 s after its handshake. */
	static final long MAX_DELAY_NANOS = 3_000_000_000L;
	static final long BURST_INTERVAL_NANOS = 1_000_000_000L;
	static final int MAX_SOURCES = 65_536;
	static final int MAX_ENDPOINTS = 65_536;

	/**
	 * A plan for one reply: send {@code copies} after {@code delayNanos}; no copies = do not answer,
	 * because the endpoint got its burst less than a second ago ({@code repeated}) or the budget is spent.
	 */
	record Grant(int copies, long delayNanos, boolean repeated) {
		static final Grant SPENT = new Grant(0, 0, false);
		static final Grant REPEATED = new Grant(0, 0, true);
	}

	/** GCRA state of one rate: the time at which the budget is whole again. */
	private static final class Rate {
		long full;
	}

	private final BoundedTable<Long, Long> bursts = new BoundedTable<>(MAX_ENDPOINTS);
	private final BoundedTable<Long, Long> hints = new BoundedTable<>(MAX_ENDPOINTS);
	private final BoundedTable<Long, Rate> sources = new BoundedTable<>(MAX_SOURCES);
	private final Rate global = new Rate();
	private volatile long perSource;
	private volatile long total;

	ReplyBudget(long bytesPerSource, long bytesPerSecond) {
		rates(bytesPerSource, bytesPerSecond);
	}

	void rates(long bytesPerSource, long bytesPerSecond) {
		perSource = bytesPerSource;
		total = bytesPerSecond;
	}

	/**
	 * A handshake reply of {@code bytes} to {@code endpoint}, wanted {@code repeats} times: nothing
	 * if that endpoint got a burst less than a second ago or the budgets are spent for the next
	 * {@link #MAX_DELAY_NANOS}; else one copy (deferred as needed) plus the copies that fit at once.
	 */
	synchronized Grant reply(long endpoint, long source, int bytes, int repeats, long now) {
		if (!once(bursts, endpoint, now)) {
			return Grant.REPEATED;
		}
		Rate s = source(source, now);
		long delay = Math.max(delay(s, bytes, perSource, now), delay(global, bytes, total, now));
		if (delay > MAX_DELAY_NANOS) {
			bursts.remove(endpoint); // nothing was sent: its next handshake may try again
			return Grant.SPENT;
		}
		take(s, bytes, perSource, now);
		take(global, bytes, total, now);
		int copies = 1;
		while (copies < repeats && delay(s, bytes, perSource, now) == 0 && delay(global, bytes, total, now) == 0) {
			take(s, bytes, perSource, now);
			take(global, bytes, total, now);
			copies++;
		}
		return new Grant(copies, delay, false);
	}

	/** A re-handshake hint of {@code bytes}: at most one a second per endpoint, never deferred. */
	synchronized boolean hint(long endpoint, long source, int bytes, long now) {
		Rate s = source(source, now);
		if (delay(s, bytes, perSource, now) > 0 || delay(global, bytes, total, now) > 0 || !once(hints, endpoint, now)) {
			return false;
		}
		take(s, bytes, perSource, now);
		take(global, bytes, total, now);
		return true;
	}

	/** Forgets what no longer limits anything (housekeeping). */
	synchronized void prune(long now) {
		bursts.removeIf(t -> now - t >= BURST_INTERVAL_NANOS);
		hints.removeIf(t -> now - t >= BURST_INTERVAL_NANOS);
		sources.removeIf(r -> r.full <= now);
	}

	private static boolean once(BoundedTable<Long, Long> table, long endpoint, long now) {
		Long last = table.get(endpoint);
		if (last != null && now - last < BURST_INTERVAL_NANOS) {
			return false;
		}
		table.put(endpoint, now);
		return true;
	}

	private Rate source(long source, long now) {
		Rate r = sources.get(source);
		if (r == null) {
			r = new Rate();
			r.full = now;
			sources.put(source, r);
		}
		return r;
	}

	/** How long {@code bytes} more must wait: the budget holds one second's worth. */
	private static long delay(Rate r, int bytes, long rate, long now) {
		long full = Math.max(r.full, now) + cost(bytes, rate);
		return Math.max(0, full - now - BURST_INTERVAL_NANOS);
	}

	private static void take(Rate r, int bytes, long rate, long now) {
		r.full = Math.max(r.full, now) + cost(bytes, rate);
	}

	private static long cost(int bytes, long rate) {
		return bytes * BURST_INTERVAL_NANOS / rate;
	}
}

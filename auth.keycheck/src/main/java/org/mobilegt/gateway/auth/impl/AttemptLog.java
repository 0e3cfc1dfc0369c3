package org.mobilegt.gateway.auth.impl;

import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import org.mobilegt.gateway.common.RateGate;
import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.net.api.IpEndpoint;
import org.mobilegt.gateway.security.api.IllegalAttempt;
import org.mobilegt.gateway.security.api.Reason;
import org.mobilegt.gateway.security.api.SecurityLog;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.log.Logger;

/**
 * The {@link SecurityLog}'s bookkeeping: exact counts by reason, a bounded ring of the newest
 * illegal attempts, and rate-limited log lines and EventAdmin events, so that a flood of attempts
 * costs a count, not a line or an event each.
 */
final class AttemptLog {

	/** Illegal attempts logged in full: at most this many per 10 s, then a count. */
	private static final int LOG_PERMITS = 10;
	/** REJECTED events posted: at most this many per second. */
	private static final int EVENT_PERMITS = 50;

	private final Map<Reason, LongAdder> counts = new EnumMap<>(Reason.class);
	private final Logger log;
	private final Supplier<EventAdmin> events;
	private final RateGate logGate = new RateGate(LOG_PERMITS, 10_000);
	private final RateGate eventGate = new RateGate(EVENT_PERMITS, 1_000);
	private IllegalAttempt[] ring;
	private int next;
	private int size;

	AttemptLog(int capacity, Logger log, Supplier<EventAdmin> events) {
		for (Reason r : Reason.values()) {
			counts.put(r, new LongAdder());
		}
		ring = new IllegalAttempt[capacity];
		this.log = log;
		this.events = events;
	}

	/** One attempt: counted, kept, logged and posted (the last two within their rates). */
	void record(InetAddress address, int port, Reason reason, String detail, long now) {
		count(reason);
		add(new IllegalAttempt(address, port, Instant.ofEpochMilli(now), reason, detail));
		long held = logGate.admit(now);
		if (held >= 0) {
			log.warn("Illegal attempt from {}: {} ({}){}", IpEndpoint.of(IpAddress.of(address), port), reason, detail,
					RateGate.heldBack(held));
		}
		EventAdmin ea = events.get();
		if (ea != null && eventGate.admit(now) >= 0) {
			Map<String, Object> props = new HashMap<>();
			props.put("address", IpAddress.of(address).toString());
			props.put("port", port);
			props.put("reason", reason.name());
			props.put("detail", detail);
			ea.postEvent(new Event(SecurityLog.TOPIC_REJECTED, props));
		}
	}

	void count(Reason reason) {
		counts.get(reason).increment();
	}

	synchronized void add(IllegalAttempt attempt) {
		ring[next] = attempt;
		next = (next + 1) % ring.length;
		size = Math.min(size + 1, ring.length);
	}

	/** Newest first. */
	synchronized List<IllegalAttempt> newest(int max) {
		int n = Math.min(Math.max(max, 0), size);
		List<IllegalAttempt> out = new ArrayList<>(n);
		for (int i = 1; i <= n; i++) {
			out.add(ring[(next - i + ring.length) % ring.length]);
		}
		return out;
	}

	/** Keeps the newest entries that fit a new capacity. */
	synchronized void capacity(int capacity) {
		if (capacity == ring.length) {
			return;
		}
		List<IllegalAttempt> keep = newest(capacity);
		ring = new IllegalAttempt[capacity];
		next = 0;
		size = 0;
		for (int i = keep.size() - 1; i >= 0; i--) {
			add(keep.get(i));
		}
	}

	Map<Reason, Long> counts() {
		Map<Reason, Long> out = new EnumMap<>(Reason.class);
		counts.forEach((r, c) -> {
			long v = c.sum();
			if (v > 0) {
				out.put(r, v);
			}
		});
		return out;
	}
}

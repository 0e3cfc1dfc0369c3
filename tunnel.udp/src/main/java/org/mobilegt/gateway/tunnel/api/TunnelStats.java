package org.mobilegt.gateway.tunnel.api;

import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/** Totals, drops by reason and packet processing times of the tunnel since it started. */
@ProviderType
public interface TunnelStats {

	/** A consistent-enough snapshot of the counters (each counter is exact, the set is not atomic). */
	Totals totals();

	/** Dropped datagrams and packets by reason, only reasons that occurred. */
	Map<DropReason, Long> drops();

	/**
	 * Sampled per-packet processing time of one direction, the same in both: from the return of
	 * the receive or read that brought a forwarded packet in until the return of the write or send
	 * that handed it on (including the wait for the rest of its batch).
	 */
	Latency processingTime(Direction direction);

	/**
	 * The sampled processing times of one direction as histogram buckets: element i counts the
	 * samples above bound i-1 and at most {@code upperBoundsNanos[i]}; one extra last element counts
	 * those above the last bound.
	 */
	long[] processingTimeCounts(Direction direction, long[] upperBoundsNanos);

	/** One line on the UDP socket: bound address and port, or why it is not bound. */
	String socketStatus();

	/** True while the socket is bound, the TUN device attached and key check and sessions are there. */
	boolean serving();
}

package org.mobilegt.gateway.tunnel.impl;

import java.io.IOException;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToLongFunction;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.mobilegt.gateway.common.KeptState;
import org.mobilegt.gateway.tunnel.api.Direction;
import org.mobilegt.gateway.tunnel.api.DropReason;
import org.mobilegt.gateway.tunnel.api.Latency;
import org.mobilegt.gateway.tunnel.api.Totals;
import org.osgi.service.log.Logger;

/**
 * Every counter of the tunnel. The pumps own single-writer {@link PumpCounters} (one per UDP
 * receiver, one per TUN queue, one for the TUN packets the uplink reads while it has the TUN's
 * {@link Turn}); control work counts with adders. A packet counts as forwarded only
 * once the TUN write or UDP send that carried it returned without error.
 * <p>
 * Processing time, in both directions alike: for one forwarded packet in {@link #SAMPLE_MASK} + 1,
 * the time from the return of the receive (recvmmsg) or read that brought it in until the return
 * of the write or send that handed it on, so it includes waiting for the rest of its batch. An
 * uplink packet held for coalescing counts until the end of its batch. Samples go into
 * HdrHistogram recorders (wait-free for the writer) and are accumulated since start on read.
 */
final class TunnelMetrics {

	/** One packet in this many is timed. */
	static final int SAMPLE_MASK = 63;
	static final int MAX_QUEUES = 16;

	/** One per uplink socket ({@link UplinkSockets}). */
	final PumpCounters[] uplink = new PumpCounters[UplinkSockets.MAX];
	final PumpCounters[] downlink = new PumpCounters[MAX_QUEUES];
	/** TUN to UDP packets the uplink thread forwarded, while it had the TUN's {@link Turn}. */
	final PumpCounters turn = new PumpCounters();
	final LongAdder handshakesOk = new LongAdder();
	final LongAdder handshakesFailed = new LongAdder();
	final LongAdder keepalivesIn = new LongAdder();
	final LongAdder keepalivesOut = new LongAdder();
	final LongAdder hints = new LongAdder();
	private final Map<DropReason, LongAdder> controlDrops = new EnumMap<>(DropReason.class);
	private final Map<Direction, Sampler> samplers = new EnumMap<>(Direction.class);
	private final Map<Direction, Histogram> totals = new EnumMap<>(Direction.class);
	/** TO_CLIENT times of the uplink's TUN reads: its own recorder, so the threads share none. */
	private final Sampler turnTimes = new Sampler();

	TunnelMetrics() {
		for (int i = 0; i < MAX_QUEUES; i++) {
			downlink[i] = new PumpCounters();
		}
		for (int i = 0; i < UplinkSockets.MAX; i++) {
			uplink[i] = new PumpCounters();
		}
		for (DropReason r : DropReason.values()) {
			controlDrops.put(r, new LongAdder());
		}
		for (Direction d : Direction.values()) {
			samplers.put(d, new Sampler());
			Histogram h = new Histogram(3);
			h.setAutoResize(true);
			totals.put(d, h);
		}
	}

	/** The counters as kept across an update of tunnel.udp: name to value. */
	record Saved(Map<String, Long> counters) {
	}

	/**
	 * Saves the counters so that the next activation in the same framework run (a bundle update or
	 * restart of tunnel.udp) carries on from them; a framework restart starts from zero.
	 */
	void save(KeptState<Saved> file) throws IOException {
		Map<String, Long> m = new HashMap<>();
		for (int u = 0; u < UplinkSockets.MAX; u++) {
			put(m, uplinkKey(u), uplink[u]);
		}
		for (int q = 0; q < MAX_QUEUES; q++) {
			put(m, "downlink." + q, downlink[q]);
		}
		put(m, "turn", turn);
		adders().forEach((k, v) -> m.put(k, v.sum()));
		controlDrops.forEach((r, v) -> m.put("control.drop." + r.name(), v.sum()));
		file.save(new Saved(m));
	}

	/**
	 * Adds what {@link #save} wrote in this framework run, if anything; taken once. Safe while the
	 * pumps count: a hand-over restores its predecessor's counters after its own pumps started.
	 */
	void restore(KeptState<Saved> file) throws IOException {
		Optional<KeptState.Loaded<Saved>> loaded = file.load();
		file.delete();
		if (loaded.isEmpty() || !loaded.get().sameRun() || loaded.get().state().counters() == null) {
			return;
		}
		Map<String, Long> m = loaded.get().state().counters();
		for (int u = 0; u < UplinkSockets.MAX; u++) {
			carry(m, uplinkKey(u), uplink[u]);
		}
		for (int q = 0; q < MAX_QUEUES; q++) {
			carry(m, "downlink." + q, downlink[q]);
		}
		carry(m, "turn", turn);
		adders().forEach((k, v) -> v.add(m.getOrDefault(k, 0L)));
		controlDrops.forEach((r, v) -> v.add(m.getOrDefault("control.drop." + r.name(), 0L)));
	}

	/** {@link #save}, a failure logged. */
	void save(KeptState<Saved> file, Logger log) {
		try {
			save(file);
		} catch (IOException e) {
			log.warn("Tunnel counters not saved: {}", e.toString());
		}
	}

	/** {@link #restore}, a failure logged: the counters carry on from what they are. */
	void restore(KeptState<Saved> file, Logger log) {
		try {
			restore(file);
		} catch (IOException | RuntimeException e) {
			log.warn("Tunnel counters start from zero: {}", e.toString());
		}
	}

	private Map<String, LongAdder> adders() {
		return Map.of("handshakesOk", handshakesOk, "handshakesFailed", handshakesFailed, "keepalivesIn", keepalivesIn,
				"keepalivesOut", keepalivesOut, "hints", hints);
	}

	/** "uplink" for the first, as the revisions with one uplink saved it; "uplink.1" and on for the others. */
	private static String uplinkKey(int u) {
		return u == 0 ? "uplink" : "uplink." + u;
	}

	private static void put(Map<String, Long> m, String prefix, PumpCounters c) {
		m.put(prefix + ".packets", c.packets());
		m.put(prefix + ".bytes", c.bytes());
		for (DropReason r : DropReason.values()) {
			m.put(prefix + ".drop." + r.name(), c.drops(r));
		}
	}

	private static void carry(Map<String, Long> m, String prefix, PumpCounters c) {
		long[] drops = new long[DropReason.values().length];
		for (DropReason r : DropReason.values()) {
			drops[r.ordinal()] = m.getOrDefault(prefix + ".drop." + r.name(), 0L);
		}
		c.carry(m.getOrDefault(prefix + ".packets", 0L), m.getOrDefault(prefix + ".bytes", 0L), drops);
	}

	/** A drop counted outside the pumps (control work, housekeeping). */
	void dropped(DropReason reason) {
		controlDrops.get(reason).increment();
	}

	Sampler sampler(Direction direction) {
		return samplers.get(direction);
	}

	/** Where the uplink records the TO_CLIENT times of the TUN packets it reads. */
	Sampler turnSampler() {
		return turnTimes;
	}

	/**
	 * Where the pumps record sampled processing times. A fixed range and an interval histogram
	 * handed back on each read: recording never allocates (an auto-resizing one did, per resize).
	 */
	static final class Sampler {
		/** Longer times count as this: a second is far beyond any packet's processing. */
		static final long MAX_NANOS = 1_000_000_000L;
		private final Recorder recorder = new Recorder(1, MAX_NANOS, 3);
		private Histogram interval;

		void record(long nanos) {
			recorder.recordValue(Math.min(nanos, MAX_NANOS));
		}

		/** The samples since the last call; only for {@link TunnelMetrics#accumulated}. */
		private Histogram interval() {
			interval = recorder.getIntervalHistogram(interval);
			return interval;
		}
	}

	/** The totals of {@link org.mobilegt.gateway.tunnel.api.TunnelStats}, with {@code sessions} live sessions. */
	Totals totals(int sessions) {
		return new Totals(rxPackets(), rxBytes(), txPackets(), txBytes(), handshakesOk.sum(), handshakesFailed.sum(),
				keepalivesIn.sum(), keepalivesOut.sum(), hints.sum(), sessions);
	}

	long rxPackets() {
		return sum(uplink, PumpCounters::packets);
	}

	long rxBytes() {
		return sum(uplink, PumpCounters::bytes);
	}

	long txPackets() {
		return turn.packets() + sum(downlink, PumpCounters::packets);
	}

	long txBytes() {
		return turn.bytes() + sum(downlink, PumpCounters::bytes);
	}

	private static long sum(PumpCounters[] pumps, ToLongFunction<PumpCounters> counter) {
		long sum = 0;
		for (PumpCounters c : pumps) {
			sum += counter.applyAsLong(c);
		}
		return sum;
	}

	Map<DropReason, Long> drops() {
		Map<DropReason, Long> drops = new EnumMap<>(DropReason.class);
		for (DropReason r : DropReason.values()) {
			long n = turn.drops(r) + controlDrops.get(r).sum() + sum(downlink, c -> c.drops(r)) + sum(uplink, c -> c.drops(r));
			if (n > 0) {
				drops.put(r, n);
			}
		}
		return drops;
	}

	synchronized Latency latency(Direction direction) {
		Histogram total = accumulated(direction);
		return new Latency(total.getTotalCount(), (long) total.getMean(), total.getValueAtPercentile(50),
				total.getValueAtPercentile(90), total.getValueAtPercentile(99), total.getValueAtPercentile(99.9),
				total.getMaxValue());
	}

	synchronized long[] counts(Direction direction, long[] upperBounds) {
		Histogram total = accumulated(direction);
		long[] counts = new long[upperBounds.length + 1];
		long below = 0;
		for (int i = 0; i < upperBounds.length; i++) {
			long upTo = total.getCountBetweenValues(0, upperBounds[i]);
			counts[i] = upTo - below;
			below = upTo;
		}
		counts[upperBounds.length] = total.getTotalCount() - below;
		return counts;
	}

	/** The histogram since start, with the recorder's latest samples added. */
	private Histogram accumulated(Direction direction) {
		Histogram total = totals.get(direction);
		total.add(samplers.get(direction).interval());
		if (direction == Direction.TO_CLIENT) {
			total.add(turnTimes.interval());
		}
		return total;
	}
}

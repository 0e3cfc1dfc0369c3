package org.mobilegt.gateway.tunnel.impl;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Properties;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.mobilegt.gateway.tunnel.api.Direction;
import org.mobilegt.gateway.tunnel.api.DropReason;
import org.mobilegt.gateway.tunnel.api.Latency;

/**
 * Every counter of the tunnel. The pumps own single-writer {@link PumpCounters} (one for the UDP
 * receiver, one per TUN queue); control work counts with adders. A packet counts as forwarded only
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

	final PumpCounters uplink = new PumpCounters();
	final PumpCounters[] downlink = new PumpCounters[MAX_QUEUES];
	final LongAdder handshakesOk = new LongAdder();
	final LongAdder handshakesFailed = new LongAdder();
	final LongAdder keepalivesIn = new LongAdder();
	final LongAdder keepalivesOut = new LongAdder();
	final LongAdder hints = new LongAdder();
	private final Map<DropReason, LongAdder> controlDrops = new EnumMap<>(DropReason.class);
	private final Map<Direction, Sampler> samplers = new EnumMap<>(Direction.class);
	private final Map<Direction, Histogram> totals = new EnumMap<>(Direction.class);

	TunnelMetrics() {
		for (int i = 0; i < MAX_QUEUES; i++) {
			downlink[i] = new PumpCounters();
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

	/**
	 * Saves the counters so that the next activation in the same framework run (a bundle update or
	 * restart of tunnel.udp) carries on from them; a framework restart starts from zero.
	 */
	void save(Path file, String framework) throws IOException {
		Properties p = new Properties();
		p.setProperty("framework", String.valueOf(framework));
		put(p, "uplink", uplink);
		for (int q = 0; q < MAX_QUEUES; q++) {
			put(p, "downlink." + q, downlink[q]);
		}
		Map<String, LongAdder> adders = adders();
		adders.forEach((k, v) -> p.setProperty(k, Long.toString(v.sum())));
		controlDrops.forEach((r, v) -> p.setProperty("control.drop." + r.name(), Long.toString(v.sum())));
		try (Writer w = Files.newBufferedWriter(file)) {
			p.store(w, "tunnel.udp counters");
		}
	}

	/** Restores what {@link #save} wrote in this framework run, if anything. */
	void restore(Path file, String framework) throws IOException {
		if (!Files.exists(file)) {
			return;
		}
		Properties p = new Properties();
		try (Reader r = Files.newBufferedReader(file)) {
			p.load(r);
		}
		Files.delete(file);
		if (!String.valueOf(framework).equals(p.getProperty("framework"))) {
			return;
		}
		carry(p, "uplink", uplink);
		for (int q = 0; q < MAX_QUEUES; q++) {
			carry(p, "downlink." + q, downlink[q]);
		}
		adders().forEach((k, v) -> v.add(Long.parseLong(p.getProperty(k, "0"))));
		controlDrops.forEach((r, v) -> v.add(Long.parseLong(p.getProperty("control.drop." + r.name(), "0"))));
	}

	private Map<String, LongAdder> adders() {
		return Map.of("handshakesOk", handshakesOk, "handshakesFailed", handshakesFailed, "keepalivesIn", keepalivesIn,
				"keepalivesOut", keepalivesOut, "hints", hints);
	}

	private static void put(Properties p, String prefix, PumpCounters c) {
		p.setProperty(prefix + ".packets", Long.toString(c.packets()));
		p.setProperty(prefix + ".bytes", Long.toString(c.bytes()));
		for (DropReason r : DropReason.values()) {
			p.setProperty(prefix + ".drop." + r.name(), Long.toString(c.drops(r)));
		}
	}

	private static void carry(Properties p, String prefix, PumpCounters c) {
		long[] drops = new long[DropReason.values().length];
		for (DropReason r : DropReason.values()) {
			drops[r.ordinal()] = Long.parseLong(p.getProperty(prefix + ".drop." + r.name(), "0"));
		}
		c.carry(Long.parseLong(p.getProperty(prefix + ".packets", "0")), Long.parseLong(p.getProperty(prefix + ".bytes", "0")),
				drops);
	}

	/** A drop counted outside the pumps (control work, housekeeping). */
	void dropped(DropReason reason) {
		controlDrops.get(reason).increment();
	}

	Sampler sampler(Direction direction) {
		return samplers.get(direction);
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

	long rxPackets() {
		return uplink.packets();
	}

	long rxBytes() {
		return uplink.bytes();
	}

	long txPackets() {
		long sum = 0;
		for (PumpCounters c : downlink) {
			sum += c.packets();
		}
		return sum;
	}

	long txBytes() {
		long sum = 0;
		for (PumpCounters c : downlink) {
			sum += c.bytes();
		}
		return sum;
	}

	Map<DropReason, Long> drops() {
		Map<DropReason, Long> drops = new EnumMap<>(DropReason.class);
		for (DropReason r : DropReason.values()) {
			long n = uplink.drops(r) + controlDrops.get(r).sum();
			for (PumpCounters c : downlink) {
				n += c.drops(r);
			}
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
		return total;
	}
}

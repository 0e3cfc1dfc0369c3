package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mobilegt.gateway.common.KeptState;
import org.mobilegt.gateway.tunnel.api.Direction;
import org.mobilegt.gateway.tunnel.api.DropReason;
import org.mobilegt.gateway.tunnel.api.Latency;

class TunnelMetricsTest {

	final TunnelMetrics metrics = new TunnelMetrics();
	final TunnelMetrics.Sampler sampler = metrics.sampler(Direction.FROM_CLIENT);

	@Test
	void samplesAccumulateAcrossReads() {
		sampler.record(1_000);
		sampler.record(3_000);
		assertThat(metrics.latency(Direction.FROM_CLIENT).samples()).isEqualTo(2);

		sampler.record(2_000_000);
		Latency l = metrics.latency(Direction.FROM_CLIENT);
		assertThat(l.samples()).isEqualTo(3);
		assertThat(l.p50()).isCloseTo(3_000, within(3L));
		assertThat(l.max()).isCloseTo(2_000_000, within(2_000L));
		assertThat(metrics.latency(Direction.TO_CLIENT).samples()).as("the other direction").isZero();
	}

	@Test
	void aTimeBeyondTheRangeCountsAsItsTop() {
		sampler.record(0);
		sampler.record(Long.MAX_VALUE); // e.g. a thread descheduled for minutes: never an exception
		Latency l = metrics.latency(Direction.FROM_CLIENT);
		assertThat(l.samples()).isEqualTo(2);
		assertThat(l.max()).isCloseTo(TunnelMetrics.Sampler.MAX_NANOS, within(TunnelMetrics.Sampler.MAX_NANOS / 1000));
	}

	@Test
	void countersCarryOnOverAnUpdateButNotOverARestart(@TempDir Path dir) throws IOException {
		metrics.uplink[0].forwarded(100);
		metrics.uplink[0].dropped(DropReason.SPOOFED);
		metrics.turn.forwarded(50);
		metrics.turn.dropped(DropReason.NO_SESSION);
		metrics.hints.add(3);
		Path file = dir.resolve("counters.json");
		metrics.save(new KeptState<>(file, TunnelMetrics.Saved.class, "run-1"));

		TunnelMetrics updated = new TunnelMetrics();
		updated.restore(new KeptState<>(file, TunnelMetrics.Saved.class, "run-1"));
		assertThat(updated.uplink[0].packets()).isOne();
		assertThat(updated.uplink[0].bytes()).isEqualTo(100);
		assertThat(updated.uplink[0].drops(DropReason.SPOOFED)).isOne();
		assertThat(updated.txPackets()).as("the uplink's TUN reads, summed with the downlinks'").isOne();
		assertThat(updated.txBytes()).isEqualTo(50);
		assertThat(updated.drops()).containsEntry(DropReason.NO_SESSION, 1L);
		assertThat(updated.hints.sum()).isEqualTo(3);
		assertThat(file).as("taken once").doesNotExist();

		metrics.save(new KeptState<>(file, TunnelMetrics.Saved.class, "run-1"));
		TunnelMetrics restarted = new TunnelMetrics();
		restarted.restore(new KeptState<>(file, TunnelMetrics.Saved.class, "run-2"));
		assertThat(restarted.uplink[0].packets()).isZero();
	}
}

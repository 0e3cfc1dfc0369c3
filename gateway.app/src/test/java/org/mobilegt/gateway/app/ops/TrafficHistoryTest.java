package org.mobilegt.gateway.app.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.app.ops.TrafficHistory.Point;
import org.mobilegt.gateway.app.ops.TrafficHistory.Sample;

class TrafficHistoryTest {

	private final TrafficHistory history = new TrafficHistory();

	@AfterEach
	void stop() {
		history.deactivate();
	}

	@Test
	void throughputIsBitsPerSecondBetweenSamples() {
		history.add(new Sample(10_000, 0, 0, 0, 0));
		history.add(new Sample(11_000, 10, 1_000, 5, 500));
		history.add(new Sample(13_000, 20, 5_000, 5, 500)); // a late sample: 2 s
		List<Point> points = history.throughput(180);
		assertThat(points).containsExactly(new Point(11_000, 8_000, 4_000), new Point(13_000, 16_000, 0));
	}

	@Test
	void onlyTheLastSecondsAndNoNegativeRateAfterACounterReset() {
		for (int i = 0; i <= 10; i++) {
			history.add(new Sample(i * 1000L, 0, i * 100L, 0, 0));
		}
		history.add(new Sample(11_000, 0, 0, 0, 0)); // the tunnel bundle restarted: counters from 0
		List<Point> points = history.throughput(3);
		assertThat(points).extracting(Point::millis).containsExactly(9_000L, 10_000L, 11_000L);
		assertThat(points).extracting(Point::rxBps).containsExactly(800.0, 800.0, 0.0);
	}

	@Test
	void noPointsWithoutTwoSamples() {
		assertThat(history.throughput(180)).isEmpty();
		history.add(new Sample(1_000, 1, 1, 1, 1));
		assertThat(history.throughput(180)).isEmpty();
	}

	@Test
	void ratesAreAveragesOverTheWindow() {
		for (int s = 0; s <= 60; s++) {
			history.add(new Sample(s * 1000L, s * 100L, s * 125_000L, s * 50L, 0));
		}
		TrafficHistory.Rate r = history.rate(10);
		assertThat(r.seconds()).isEqualTo(10);
		assertThat(r.rxPps()).isCloseTo(100, within(1e-9));
		assertThat(r.rxBps()).isCloseTo(1_000_000, within(1e-6));
		assertThat(r.txPps()).isCloseTo(50, within(1e-9));
		assertThat(history.samples(1000)).hasSize(61);
	}

	@Test
	void noRateWithoutTwoSamples() {
		assertThat(history.rate(10).rxPps()).isZero();
	}
}

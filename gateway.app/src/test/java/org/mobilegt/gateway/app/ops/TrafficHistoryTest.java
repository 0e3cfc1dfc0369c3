package org.mobilegt.gateway.app.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class TrafficHistoryTest {

	@Test
	void ratesAreAveragesOverTheWindow() {
		TrafficHistory history = new TrafficHistory();
		try {
			for (int s = 0; s <= 60; s++) {
				history.add(new TrafficHistory.Sample(s * 1000L, s * 100L, s * 125_000L, s * 50L, 0));
			}
			TrafficHistory.Rate r = history.rate(10);
			assertThat(r.seconds()).isEqualTo(10);
			assertThat(r.rxPps()).isCloseTo(100, within(1e-9));
			assertThat(r.rxBps()).isCloseTo(1_000_000, within(1e-6));
			assertThat(r.txPps()).isCloseTo(50, within(1e-9));
			assertThat(history.samples(1000)).hasSize(61);
		} finally {
			history.deactivate();
		}
	}

	@Test
	void noRateWithoutTwoSamples() {
		TrafficHistory history = new TrafficHistory();
		try {
			assertThat(history.rate(10).rxPps()).isZero();
		} finally {
			history.deactivate();
		}
	}
}

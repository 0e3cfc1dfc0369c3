package org.mobilegt.gateway.auth.impl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ThrottleTest {

	@Test
	void aThrottledSourceGetsOneKeyCheckASecondUntilItsMinuteEnds() {
		Throttle t = new Throttle(3);
		assertThat(t.fail(7, 0)).isFalse();
		assertThat(t.fail(7, 10)).isFalse();
		assertThat(t.fail(7, 20)).as("the third wrong key throttles").isTrue();
		assertThat(t.blocked(7, 30)).isTrue();
		assertThat(t.refuse(7, 500)).isTrue();
		assertThat(t.blocked(7, 1020)).as("the trickle is due: let one through").isFalse();
		assertThat(t.blocked(7, 1021)).as("only one").isTrue();
		assertThat(t.refuse(7, 1022)).as("the one let through is checked").isFalse();
		assertThat(t.refuse(7, 1023)).as("and only that one").isTrue();
		assertThat(t.blocked(7, 1500)).isTrue();
		assertThat(t.refuse(7, 2100)).as("a check without the receiving thread's pre-check: the trickle too").isFalse();
		assertThat(t.blocked(7, 2200)).isTrue();
		assertThat(t.blocked(7, Throttle.WINDOW_MILLIS)).as("the minute is over").isFalse();
		assertThat(t.refuse(8, 30)).as("another source").isFalse();
	}

	@Test
	void aFullTableForgetsItsOldestWindowsNotTheGuessersOfTheMoment() {
		Throttle t = new Throttle(1);
		for (int s = 0; s < Throttle.MAX_SOURCES + 1000; s++) {
			t.fail(s, 0);
		}
		assertThat(t.size()).isEqualTo(Throttle.MAX_SOURCES);
		assertThat(t.refuse(0, 1)).as("the oldest was forgotten").isFalse();
		assertThat(t.refuse(Throttle.MAX_SOURCES + 999, 1)).as("the newest is still throttled").isTrue();
		assertThat(t.refuse(5000, 1)).isTrue();
	}
}

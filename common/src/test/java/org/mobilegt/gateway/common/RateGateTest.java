package org.mobilegt.gateway.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RateGateTest {

	@Test
	void letsPermitsThroughPerWindowAndReportsWhatItHeldBack() {
		RateGate gate = new RateGate(2, 1000);
		assertThat(gate.admit(0)).isZero();
		assertThat(gate.admit(10)).isZero();
		assertThat(gate.admit(20)).isEqualTo(-1);
		assertThat(gate.admit(999)).isEqualTo(-1);
		assertThat(gate.admit(1000)).as("new window: two were held back").isEqualTo(2);
		assertThat(gate.admit(1001)).isZero();
		assertThat(gate.admit(1002)).isEqualTo(-1);
	}

	@Test
	void aLogLineSaysHowManyWereHeldBackBeforeIt() {
		assertThat(RateGate.heldBack(0)).isEmpty();
		assertThat(RateGate.heldBack(3)).isEqualTo(" (3 more not logged)");
	}
}

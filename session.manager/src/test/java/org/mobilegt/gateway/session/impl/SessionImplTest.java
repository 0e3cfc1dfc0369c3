package org.mobilegt.gateway.session.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

/** A session taken back after an update gets what its kept predecessor counted after saving. */
class SessionImplTest {

	private static SessionImpl session() {
		return new SessionImpl(7, "alice", 1L << 16 | 4000, 0x0A4D0002, Instant.EPOCH, 0, new SessionImpl.Share());
	}

	@Test
	void carryAddsOnlyWhatTheEarlierInstanceCountedBeyondThisOne() {
		SessionImpl earlier = session();
		for (int i = 0; i < 5; i++) {
			earlier.received(100, true, 1_000 + i);
		}
		earlier.sent(60, true, 2_000);
		earlier.dropped();
		SessionImpl resumed = session();
		resumed.received(100, true, 900); // what the saved state held
		resumed.received(100, true, 901);

		resumed.carry(earlier);

		assertThat(resumed.rxPackets()).isEqualTo(5);
		assertThat(resumed.rxBytes()).isEqualTo(500);
		assertThat(resumed.txPackets()).isOne();
		assertThat(resumed.txBytes()).isEqualTo(60);
		assertThat(resumed.drops()).isOne();
		assertThat(resumed.lastReceivedMillis()).isEqualTo(1_004);
		assertThat(resumed.lastSentMillis()).isEqualTo(2_000);
	}

	@Test
	void carryNeverTakesCountsAway() {
		SessionImpl resumed = session();
		resumed.received(100, true, 900);
		resumed.carry(session());
		assertThat(resumed.rxPackets()).isOne();
		assertThat(resumed.rxBytes()).isEqualTo(100);
	}
}

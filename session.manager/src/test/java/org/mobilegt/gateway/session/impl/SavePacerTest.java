package org.mobilegt.gateway.session.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class SavePacerTest {

	private final AtomicLong now = new AtomicLong(1_000_000);
	private final SavePacer pacer = new SavePacer(now::get);

	@Test
	void theFirstSaveIsDueAtOnce() {
		assertThat(pacer.due()).isTrue();
	}

	@Test
	void theNextSaveWaitsNineteenTimesAsLongAsTheLastTook() {
		pacer.run(() -> now.addAndGet(100_000_000)); // a save of 100 ms
		now.addAndGet(1_899_999_999);
		assertThat(pacer.due()).as("1.9 s after a 100 ms save, less a nanosecond").isFalse();
		now.incrementAndGet();
		assertThat(pacer.due()).isTrue();
	}

	@Test
	void aCheapSaveLeavesEveryTickDue() {
		pacer.run(() -> now.addAndGet(2_000_000)); // 2 ms
		now.addAndGet(1_000_000_000); // the next housekeeping tick
		assertThat(pacer.due()).isTrue();
	}
}

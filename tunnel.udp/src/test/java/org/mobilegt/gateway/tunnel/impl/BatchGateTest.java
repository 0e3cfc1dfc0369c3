package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

class BatchGateTest {

	private static final long LONG = TimeUnit.SECONDS.toNanos(30);

	private final BatchGate gate = new BatchGate();

	@Test
	void aPumpOutsideABatchIsQuiescentAtOnce() {
		assertThat(gate.quiesce(LONG)).isTrue();
		gate.enter();
		gate.leave();
		assertThat(gate.quiesce(LONG)).isTrue();
	}

	/** Starts quiesce on another thread and waits (bounded) until it parks. */
	private CompletableFuture<Boolean> parkedQuiesce(AtomicBoolean left) throws InterruptedException {
		CompletableFuture<Boolean> result = new CompletableFuture<>();
		Thread waiter = new Thread(() -> {
			boolean ok = gate.quiesce(LONG);
			result.complete(ok && left.get());
		});
		waiter.start();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (waiter.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
			Thread.sleep(1);
		}
		assertThat(waiter.getState()).as("parked while the batch runs").isEqualTo(Thread.State.TIMED_WAITING);
		return result;
	}

	@Test
	void quiesceReturnsOnlyAfterTheRunningBatchEnded() throws Exception {
		gate.enter();
		AtomicBoolean left = new AtomicBoolean();
		CompletableFuture<Boolean> quiesced = parkedQuiesce(left);
		assertThat(quiesced).isNotDone();
		left.set(true);
		gate.leave();
		assertThat(quiesced.get(30, TimeUnit.SECONDS)).as("woken by leave, not before it").isTrue();
	}

	@Test
	void aNewBatchAfterTheRunningOneDoesNotHoldTheWaiter() throws Exception {
		gate.enter();
		CompletableFuture<Boolean> quiesced = parkedQuiesce(new AtomicBoolean(true));
		gate.leave();
		gate.enter(); // the pump went straight on with the next batch: it no longer uses what it had
		assertThat(quiesced.get(30, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void aPumpStuckInItsBatchDoesNotHoldTheWaiterForever() {
		gate.enter();
		assertThat(gate.quiesce(TimeUnit.MILLISECONDS.toNanos(20))).isFalse();
	}

	@Test
	void manyHandOffsWhileThePumpChurnsNeverHang() throws Exception {
		AtomicBoolean stop = new AtomicBoolean();
		Thread pump = new Thread(() -> {
			while (!stop.get()) {
				gate.enter();
				Thread.onSpinWait();
				gate.leave();
			}
		});
		pump.start();
		try {
			for (int i = 0; i < 10_000; i++) {
				assertThat(gate.quiesce(LONG)).isTrue();
			}
		} finally {
			stop.set(true);
			pump.join();
		}
	}
}

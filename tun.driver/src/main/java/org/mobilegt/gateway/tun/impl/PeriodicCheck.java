package org.mobilegt.gateway.tun.impl;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Runs a check on its own daemon thread every few seconds until closed. */
final class PeriodicCheck implements AutoCloseable {

	private final ScheduledExecutorService executor;

	PeriodicCheck(String name, Runnable check, int seconds) {
		executor = Executors.newSingleThreadScheduledExecutor(r -> {
			Thread t = new Thread(r, name);
			t.setDaemon(true);
			return t;
		});
		executor.scheduleWithFixedDelay(check, seconds, seconds, TimeUnit.SECONDS);
	}

	@Override
	public void close() {
		executor.shutdownNow();
	}
}

package org.mobilegt.gateway.tun.impl;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.mobilegt.gateway.common.Daemons;

/** Runs a check on its own daemon thread every few seconds until closed. */
final class PeriodicCheck implements AutoCloseable {

	private final ScheduledExecutorService executor;

	PeriodicCheck(String name, Runnable check, int seconds) {
		executor = Daemons.scheduler(name);
		executor.scheduleWithFixedDelay(check, seconds, seconds, TimeUnit.SECONDS);
	}

	@Override
	public void close() {
		executor.shutdownNow();
	}
}

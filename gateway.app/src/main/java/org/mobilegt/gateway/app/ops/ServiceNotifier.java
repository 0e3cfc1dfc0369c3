package org.mobilegt.gateway.app.ops;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.mobilegt.gateway.common.Daemons;

/**
 * Tells systemd (a {@code Type=notify} unit) how the gateway is: {@code READY=1} once the tunnel
 * serves, then {@code WATCHDOG=1} every half watchdog interval but only while the health verdict
 * of {@code /health} has no failure a restart may mend, so that a wedged or broken gateway is
 * restarted (a missing key is reported in {@code STATUS=}, not restarted over);
 * {@code STATUS=} says why, {@code STOPPING=1} marks a shutdown. One daemon thread.
 */
final class ServiceNotifier implements AutoCloseable {

	static final String WATCHDOG_USEC = "WATCHDOG_USEC";
	static final String WATCHDOG_PID = "WATCHDOG_PID";
	/** How often readiness is looked at until the tunnel serves. */
	static final long READY_POLL_MILLIS = 200;
	/** How often STATUS= is brought up to date without a watchdog. */
	static final long STATUS_MILLIS = 5_000;

	private final SdNotify notify;
	private final Supplier<Health> health;
	private final long watchdogMillis;
	private final Consumer<String> warn;
	private final ScheduledExecutorService timer = Daemons.scheduler("mobilegt-sd-notify");
	private boolean ready;
	private String status = "";
	/** Unhealthy at the last watchdog time (said once, not at every tick). */
	private boolean unhealthy;
	/** The last send failed (said once until one succeeds). */
	private boolean unsent;

	/** @param watchdogMicros systemd's watchdog interval, 0 when it has none */
	ServiceNotifier(SdNotify notify, Supplier<Health> health, long watchdogMicros, Consumer<String> warn) {
		this.notify = notify;
		this.health = health;
		this.watchdogMillis = watchdogMicros / 1000;
		this.warn = warn;
		timer.execute(this::tick);
	}

	/**
	 * The watchdog interval systemd asks this process for (sd_watchdog_enabled(3)): {@value #WATCHDOG_USEC}
	 * microseconds, unless {@value #WATCHDOG_PID} names another process; 0 when none or not a number.
	 */
	static long watchdogMicros(Map<String, String> environment, long pid) {
		String pidOf = environment.get(WATCHDOG_PID);
		if (pidOf != null && !pidOf.strip().equals(Long.toString(pid))) {
			return 0;
		}
		try {
			return Math.max(0, Long.parseLong(environment.getOrDefault(WATCHDOG_USEC, "0").strip()));
		} catch (NumberFormatException e) {
			return 0;
		}
	}

	private void tick() {
		try {
			Health h = health.get();
			if (!ready && h.serving()) {
				ready = true;
				status = status(h);
				send("READY=1\nSTATUS=" + status);
			} else if (ready && !status.equals(status(h))) {
				status = status(h);
				send("STATUS=" + status);
			}
			if (ready && watchdogMillis > 0) {
				watchdog(h);
			}
		} catch (RuntimeException e) {
			warn.accept("systemd notification: health unknown: " + e);
		}
		long next = !ready ? READY_POLL_MILLIS : watchdogMillis > 0 ? Math.max(1, watchdogMillis / 2) : STATUS_MILLIS;
		try {
			timer.schedule(this::tick, next, TimeUnit.MILLISECONDS);
		} catch (RejectedExecutionException e) {
			// closed
		}
	}

	private void watchdog(Health h) {
		boolean broken = h.restartMayMend();
		if (!broken) {
			send("WATCHDOG=1");
		} else if (!unhealthy) {
			warn.accept("Unhealthy (" + status + "): no watchdog keep-alive for systemd, which restarts the service after "
					+ watchdogMillis / 1000 + " s");
		}
		unhealthy = broken;
	}

	private void send(String state) {
		try {
			notify.send(state);
			unsent = false;
		} catch (IOException e) {
			if (!unsent) {
				warn.accept(e.getMessage());
			}
			unsent = true;
		}
	}

	/** One line: a newline would end the STATUS= assignment and start another. */
	static String status(Health h) {
		String text = h.healthy() ? "Tunnel serving (" + h.checks().get("socket").status() + ")"
				: (h.serving() ? "Tunnel serving, unhealthy: " : "Tunnel not serving: ") + h.checks().entrySet().stream()
						.filter(c -> !c.getValue().ok()).map(c -> c.getKey() + " " + c.getValue().status())
						.collect(Collectors.joining("; "));
		return text.replaceAll("[\\r\\n]+", " ");
	}

	/** Stops notifying; {@code stopping}: the gateway shuts down, which systemd is told. */
	void close(boolean stopping) {
		timer.shutdownNow();
		try {
			timer.awaitTermination(2, TimeUnit.SECONDS);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		if (stopping) {
			send("STOPPING=1\nSTATUS=Shutting down");
		}
		notify.close();
	}

	@Override
	public void close() {
		close(false);
	}
}

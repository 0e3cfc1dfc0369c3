package org.mobilegt.gateway.capture.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Ends process trees: SIGTERM to every process, SIGKILL to what is left after a grace period.
 * <p>
 * The tree is collected <em>before</em> any signal and again while waiting: once a script dies,
 * its children (dumpcap started by a shell script) are re-parented to init and can no longer be
 * found as its descendants. {@link ProcessHandle} checks a process's start time before it
 * signals, so a PID reused by an unrelated process is never hit. Processes that left the tree
 * (setsid, double fork) come from a {@code sweep} looked at as often as the tree.
 */
final class ProcessTree {

	/** How often the tree is collected again while waiting for it to end. */
	private static final long SLICE_MILLIS = 100;
	private static final Duration KILL_WAIT = Duration.ofSeconds(5);

	private ProcessTree() {
	}

	/** {@code roots}, the live ones among them and all their current descendants. */
	static Set<ProcessHandle> collect(Collection<ProcessHandle> roots) {
		Set<ProcessHandle> all = new LinkedHashSet<>(roots);
		for (ProcessHandle p : roots) {
			p.descendants().forEach(all::add);
		}
		return all;
	}

	/**
	 * Ends {@code processes} and their descendants: SIGTERM, then SIGKILL to whatever is still
	 * alive after {@code grace} (at once when zero), then waits a bounded time for the end.
	 *
	 * @return the processes that needed SIGKILL (empty when SIGTERM sufficed)
	 */
	static List<ProcessHandle> terminate(Collection<ProcessHandle> processes, Duration grace) {
		return terminate(processes, grace, Set::of);
	}

	/**
	 * As {@link #terminate(Collection, Duration)}, and ends what {@code sweep} finds too, asked
	 * again while waiting: a process that is still alive may start another one outside the tree.
	 */
	static List<ProcessHandle> terminate(Collection<ProcessHandle> processes, Duration grace, Supplier<Set<ProcessHandle>> sweep) {
		Set<ProcessHandle> all = collect(processes);
		if (!grace.isZero()) {
			all.forEach(ProcessHandle::destroy);
			long deadline = System.nanoTime() + grace.toNanos();
			while (true) {
				List<ProcessHandle> alive = alive(all);
				if (alive.isEmpty()) {
					return List.of();
				}
				long left = deadline - System.nanoTime();
				if (left <= 0 || Thread.currentThread().isInterrupted()) {
					break;
				}
				// a process that is still alive may have started another one since
				for (ProcessHandle p : collect(with(alive, sweep))) {
					if (all.add(p)) {
						p.destroy();
					}
				}
				await(alive, Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, SLICE_MILLIS));
			}
		}
		List<ProcessHandle> killed = alive(collect(with(alive(all), sweep)));
		killed.forEach(ProcessHandle::destroyForcibly);
		await(killed, KILL_WAIT.toMillis());
		return killed;
	}

	private static Set<ProcessHandle> with(Collection<ProcessHandle> processes, Supplier<Set<ProcessHandle>> sweep) {
		Set<ProcessHandle> all = new LinkedHashSet<>(processes);
		all.addAll(sweep.get());
		return all;
	}

	private static List<ProcessHandle> alive(Collection<ProcessHandle> processes) {
		List<ProcessHandle> alive = new ArrayList<>();
		for (ProcessHandle p : processes) {
			if (p.isAlive() && !ended(p.pid())) {
				alive.add(p);
			}
		}
		return alive;
	}

	/**
	 * Whether {@code pid} has ended but is not reaped yet (a zombie): {@link ProcessHandle#isAlive}
	 * says alive until its parent reaps it, and an orphan's parent (init) may take its time.
	 */
	static boolean ended(long pid) {
		String stat;
		try {
			stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
		} catch (IOException e) {
			return true;
		}
		// "pid (comm) S ...": comm may hold blanks and parentheses, the state follows the last ')'
		int close = stat.lastIndexOf(')');
		char state = close >= 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : '?';
		return state == 'Z' || state == 'X';
	}

	private static void await(List<ProcessHandle> processes, long millis) {
		CompletableFuture<?>[] exits = processes.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new);
		try {
			CompletableFuture.allOf(exits).get(millis, TimeUnit.MILLISECONDS);
		} catch (TimeoutException | ExecutionException e) {
			// still running: the caller looks again
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}
}

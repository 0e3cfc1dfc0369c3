package org.mobilegt.gateway.e2e;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A process running in the background (a server in a namespace, usually), with its combined
 * output. Closing it stops it by PID: SIGTERM to it and its descendants, SIGKILL after a grace
 * period.
 */
public final class Background implements AutoCloseable {

	private static final Duration GRACE = Duration.ofSeconds(5);

	private final String ns;
	private final String name;
	private final Process process;
	private final OutputLog output;

	private Background(String ns, String name, Process process, OutputLog output) {
		this.ns = ns;
		this.name = name;
		this.process = process;
		this.output = output;
	}

	/**
	 * Starts {@code argv} (stdin /dev/null, stderr merged into stdout, which is also appended to
	 * {@code outputFile} if not null) and registers it for clean-up with {@code ns}.
	 */
	static Background start(String ns, String name, List<String> argv, Path outputFile) {
		try {
			Process p = new ProcessBuilder(argv).redirectErrorStream(true)
					.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
			Background b = new Background(ns, name, p, new OutputLog(name, p.getInputStream(), outputFile));
			Cleanup.register(ns, b);
			return b;
		} catch (IOException e) {
			throw new UncheckedIOException("cannot start " + String.join(" ", argv), e);
		}
	}

	public long pid() {
		return process.pid();
	}

	public boolean alive() {
		return process.isAlive();
	}

	/** Everything printed so far. */
	public String output() {
		return output.text();
	}

	/** The first output line containing {@code substring}, waiting up to {@code timeout}. */
	public String awaitOutput(String substring, Duration timeout) {
		return output.line(output.await(l -> l.contains(substring), 0, timeout, '"' + substring + '"'));
	}

	/** Stops the process (SIGTERM, SIGKILL after 5 s) and returns its exit code. */
	public int stop() {
		terminate(process.toHandle(), GRACE);
		Cleanup.unregister(ns, this);
		return process.isAlive() ? -1 : process.exitValue();
	}

	@Override
	public void close() {
		stop();
	}

	@Override
	public String toString() {
		return name + " (pid " + process.pid() + (ns == null ? "" : ", netns " + ns) + ")";
	}

	/**
	 * Ends a process we started, and its descendants, by PID: SIGTERM, then SIGKILL to whatever is
	 * still alive after {@code grace} (at once when grace is zero). Waits a bounded time for the end.
	 */
	static void terminate(ProcessHandle process, Duration grace) {
		List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
		all.add(process);
		if (!grace.isZero()) {
			all.forEach(ProcessHandle::destroy);
			awaitExit(all, grace);
		}
		all.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
		awaitExit(all, Duration.ofSeconds(10));
	}

	private static void awaitExit(List<ProcessHandle> processes, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		for (ProcessHandle p : processes) {
			try {
				p.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
			} catch (TimeoutException | ExecutionException e) {
				// still alive: the caller escalates or reports
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}
}

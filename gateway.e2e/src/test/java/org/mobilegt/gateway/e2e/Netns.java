package org.mobilegt.gateway.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Named network namespaces ({@code ip netns}): create, delete, run a command or a background
 * process in one, and run Java code inside one.
 * <p>
 * {@link #inside} is how Java sockets and TUN file descriptors get into a namespace: a socket
 * belongs to the namespace of the thread that created it and keeps it for life, so a socket made
 * inside can then be used from any thread.
 */
public final class Netns {

	public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
	private static final Path RUN_DIR = Path.of("/run/netns");

	private Netns() {
	}

	/** Creates namespace {@code ns} with its loopback up. */
	public static void create(String ns) {
		host("ip", "netns", "add", ns).check();
		host("ip", "-n", ns, "link", "set", "lo", "up").check();
	}

	/**
	 * Deletes {@code ns}: closes what the harness registered in it, kills any process still in it
	 * (only processes this harness started live in its namespaces), then removes it. Idempotent.
	 */
	public static void delete(String ns) {
		Cleanup.closeAll(ns);
		if (!exists(ns)) {
			return;
		}
		killProcessesIn(ns);
		host("ip", "netns", "delete", ns).check();
	}

	public static boolean exists(String ns) {
		return Files.exists(RUN_DIR.resolve(ns));
	}

	/** Names of all namespaces of the host (from /run/netns). */
	public static List<String> list() {
		if (!Files.isDirectory(RUN_DIR)) {
			return List.of();
		}
		try (var files = Files.list(RUN_DIR)) {
			return files.map(p -> p.getFileName().toString()).sorted().toList();
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** Runs {@code cmd} in {@code ns} ({@code ip netns exec}) with the default timeout of 30 s. */
	public static Exec.Result exec(String ns, String... cmd) {
		return exec(ns, DEFAULT_TIMEOUT, cmd);
	}

	/** Runs {@code cmd} in {@code ns}; after {@code timeout} it is killed and the result says so. */
	public static Exec.Result exec(String ns, Duration timeout, String... cmd) {
		return Exec.run(timeout, inNs(ns, List.of(cmd)));
	}

	/**
	 * Starts {@code cmd} in {@code ns} in the background. {@code ip netns exec} execs the command in
	 * place, so the handle's PID is the command's own. Deleting the namespace stops it.
	 */
	public static Background start(String ns, String... cmd) {
		return start(ns, null, cmd);
	}

	/** As {@link #start(String, String...)}, also appending the output to {@code outputFile}. */
	public static Background start(String ns, Path outputFile, String... cmd) {
		return Background.start(ns, cmd[0] + "@" + ns, inNs(ns, List.of(cmd)), outputFile);
	}

	/** Runs {@code task} on a fresh thread inside {@code ns} and returns its result (2 min limit). */
	public static <T> T inside(String ns, Callable<T> task) {
		return inside(ns, Duration.ofMinutes(2), task);
	}

	/**
	 * Runs {@code task} on a fresh thread that has entered {@code ns} (setns(2)); the thread ends
	 * with the task, so no pooled thread is ever left in a namespace. Exceptions of the task are
	 * rethrown (checked ones wrapped); after {@code timeout} the task is interrupted.
	 */
	public static <T> T inside(String ns, Duration timeout, Callable<T> task) {
		FutureTask<T> future = new FutureTask<>(() -> {
			enter(ns);
			return task.call();
		});
		Thread t = new Thread(future, "netns " + ns);
		t.setDaemon(true);
		t.start();
		try {
			return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
		} catch (ExecutionException e) {
			Throwable cause = e.getCause();
			if (cause instanceof RuntimeException r) {
				throw r;
			}
			if (cause instanceof Error err) {
				throw err;
			}
			if (cause instanceof IOException io) {
				throw new UncheckedIOException(io);
			}
			throw new IllegalStateException(cause);
		} catch (TimeoutException e) {
			t.interrupt();
			throw new IllegalStateException("task in netns " + ns + " did not finish within " + timeout);
		} catch (InterruptedException e) {
			t.interrupt();
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while waiting for a task in netns " + ns, e);
		}
	}

	/** Moves the calling thread into {@code ns}. Only for threads that end with their task. */
	private static void enter(String ns) {
		Path path = RUN_DIR.resolve(ns);
		int fd = LinuxC.open(path.toString(), LinuxC.O_RDONLY | LinuxC.O_CLOEXEC);
		if (fd < 0) {
			throw new IllegalStateException("cannot open " + path + ": " + LinuxC.lastError());
		}
		try {
			if (LinuxC.setns(fd, LinuxC.CLONE_NEWNET) < 0) {
				throw new IllegalStateException("setns(" + path + ") failed: " + LinuxC.lastError());
			}
		} finally {
			LinuxC.close(fd);
		}
	}

	/** Kills (SIGKILL, by PID) the processes in {@code ns}; never this JVM. */
	private static void killProcessesIn(String ns) {
		long self = ProcessHandle.current().pid();
		for (String pid : host("ip", "netns", "pids", ns).out().split("\\s+")) {
			if (!pid.isEmpty() && Long.parseLong(pid) != self) {
				ProcessHandle.of(Long.parseLong(pid)).ifPresent(p -> {
					System.err.println("[e2e] killing pid " + p.pid() + " left in netns " + ns + ": "
							+ p.info().commandLine().orElse("?"));
					Background.terminate(p, Duration.ZERO);
				});
			}
		}
	}

	private static List<String> inNs(String ns, List<String> cmd) {
		List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns));
		argv.addAll(cmd);
		return argv;
	}

	/** Runs a command on the host (namespace administration only). */
	static Exec.Result host(String... cmd) {
		return Exec.run(DEFAULT_TIMEOUT, cmd);
	}
}

package org.mobilegt.gateway.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The lines a process prints, collected by a daemon thread (so the process never blocks on a full
 * pipe) and optionally appended to a file. Waiting for a line is bounded and, on failure, reports
 * the last lines, which is usually all one needs to see why.
 */
final class OutputLog {

	private static final int TAIL = 40;

	private final String what;
	private final List<String> lines = new ArrayList<>();
	private boolean ended;

	/** Starts collecting {@code in}; {@code copy} (nullable) receives every line as well. */
	OutputLog(String what, InputStream in, Path copy) {
		this.what = what;
		Thread reader = new Thread(() -> collect(in, copy), "output " + what);
		reader.setDaemon(true);
		reader.start();
	}

	private void collect(InputStream in, Path copy) {
		try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
				Writer file = copy == null ? Writer.nullWriter()
						: Files.newBufferedWriter(copy, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
			for (String line; (line = r.readLine()) != null;) {
				file.write(line);
				file.write('\n');
				file.flush();
				synchronized (this) {
					lines.add(line);
					notifyAll();
				}
			}
		} catch (IOException e) {
			// the process ended or its pipe was closed: the output is complete
		} finally {
			synchronized (this) {
				ended = true;
				notifyAll();
			}
		}
	}

	synchronized List<String> lines() {
		return List.copyOf(lines);
	}

	synchronized String line(int index) {
		return lines.get(index);
	}

	synchronized int size() {
		return lines.size();
	}

	synchronized String text() {
		return String.join("\n", lines);
	}

	/**
	 * Index of the first line at or after {@code from} that matches, waiting up to {@code timeout}.
	 *
	 * @throws AssertionError on timeout or when the output ends first, with the last lines
	 */
	synchronized int await(Predicate<String> match, int from, Duration timeout, String expected) {
		long deadline = System.nanoTime() + timeout.toNanos();
		int next = from;
		while (true) {
			for (; next < lines.size(); next++) {
				if (match.test(lines.get(next))) {
					return next;
				}
			}
			long left = deadline - System.nanoTime();
			if (ended || left <= 0) {
				throw new AssertionError(what + ": " + expected + " did not appear "
						+ (ended ? "before the output ended (process exited?)" : "within " + timeout) + "; last lines:\n"
						+ tail());
			}
			try {
				wait(Math.max(1, left / 1_000_000));
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new AssertionError(what + ": interrupted while waiting for " + expected, e);
			}
		}
	}

	/** Waits (bounded) until the stream has ended, so that {@link #lines()} is complete. */
	synchronized void awaitEnd(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		long left;
		while (!ended && (left = deadline - System.nanoTime()) > 0) {
			try {
				wait(Math.max(1, left / 1_000_000));
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	synchronized String tail() {
		return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL), lines.size()));
	}
}

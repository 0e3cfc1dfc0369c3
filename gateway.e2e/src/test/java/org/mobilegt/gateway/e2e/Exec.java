package org.mobilegt.gateway.e2e;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion with a timeout, capturing its output. */
public final class Exec {

	private Exec() {
	}

	/** What a finished (or timed-out, then killed) command left. */
	public record Result(List<String> command, int exitCode, String out, String err, boolean timedOut) {

		public boolean ok() {
			return exitCode == 0 && !timedOut;
		}

		/** This result if the command succeeded, else an exception that shows command and output. */
		public Result check() {
			if (!ok()) {
				throw new IllegalStateException(this.toString());
			}
			return this;
		}

		@Override
		public String toString() {
			return String.join(" ", command) + (timedOut ? " timed out" : " exited " + exitCode)
					+ (out.isBlank() ? "" : "\nstdout: " + out.strip()) + (err.isBlank() ? "" : "\nstderr: " + err.strip());
		}
	}

	/** Runs {@code argv} with stdin from /dev/null; after {@code timeout} it is killed by PID. */
	public static Result run(Duration timeout, List<String> argv) {
		Process p;
		try {
			p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
		} catch (IOException e) {
			throw new UncheckedIOException("cannot run " + String.join(" ", argv), e);
		}
		OutputLog out = new OutputLog(argv.get(0) + " stdout", p.getInputStream(), null);
		OutputLog err = new OutputLog(argv.get(0) + " stderr", p.getErrorStream(), null);
		boolean timedOut = false;
		try {
			if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				timedOut = true;
				Background.terminate(p.toHandle(), Duration.ZERO);
			}
		} catch (InterruptedException e) {
			Background.terminate(p.toHandle(), Duration.ZERO);
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while running " + String.join(" ", argv), e);
		}
		out.awaitEnd(Duration.ofSeconds(5));
		err.awaitEnd(Duration.ofSeconds(5));
		return new Result(List.copyOf(argv), timedOut ? -1 : p.exitValue(), out.text(), err.text(), timedOut);
	}

	public static Result run(Duration timeout, String... argv) {
		return run(timeout, List.of(argv));
	}
}

package org.mobilegt.gateway.tun.impl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.mobilegt.gateway.common.Daemons;

/**
 * Runs the system's network tools (ip, nft, iptables) with an argument vector, never through a
 * shell, and turns a failure into an exception carrying the tool's own message.
 */
class Commands {

	private static final List<String> PATH = List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin");
	private static final long DEFAULT_TIMEOUT_MILLIS = 10_000;

	private final long timeoutMillis;

	record Result(int exit, String out, String err) {
		boolean ok() {
			return exit == 0;
		}
	}

	Commands() {
		this(DEFAULT_TIMEOUT_MILLIS);
	}

	/** {@code timeoutMillis}: how long a tool may run before it is killed and the call fails. */
	Commands(long timeoutMillis) {
		this.timeoutMillis = timeoutMillis;
	}

	/** Where {@code tool} is installed, if it is. */
	Optional<String> find(String tool) {
		return PATH.stream().map(dir -> Path.of(dir, tool)).filter(Files::isExecutable).map(Path::toString).findFirst();
	}

	/** Runs the command with {@code stdin} as its input; never throws for a non-zero exit. */
	Result run(List<String> command, String stdin) throws IOException {
		Process p = new ProcessBuilder(command).start();
		// Both streams are read while the tool runs: reading them one after the other before waiting
		// would block on a tool that never exits (iptables -w waiting for the xtables lock) and so
		// defeat the timeout, and a tool filling the second pipe would never exit.
		FutureTask<String> out = drain(p.getInputStream(), command.get(0));
		FutureTask<String> err = drain(p.getErrorStream(), command.get(0));
		try {
			if (stdin != null) {
				p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
			}
			p.getOutputStream().close();
			if (!p.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
				p.destroyForcibly();
				throw new IOException(String.join(" ", command) + ": no answer within " + timeoutMillis + " ms");
			}
			return new Result(p.exitValue(), out.get(timeoutMillis, TimeUnit.MILLISECONDS),
					err.get(timeoutMillis, TimeUnit.MILLISECONDS).strip());
		} catch (InterruptedException e) {
			p.destroyForcibly();
			Thread.currentThread().interrupt();
			throw new IOException(String.join(" ", command) + ": interrupted");
		} catch (ExecutionException | TimeoutException e) {
			p.destroyForcibly();
			throw new IOException(String.join(" ", command) + ": cannot read its output: " + e.getMessage());
		}
	}

	Result run(String... command) throws IOException {
		return run(List.of(command), null);
	}

	/** Runs the command and fails with its stderr when it exits non-zero. */
	String check(String... command) throws IOException {
		Result r = run(command);
		if (!r.ok()) {
			throw new IOException(String.join(" ", command) + ": " + (r.err().isEmpty() ? "exit " + r.exit() : r.err()));
		}
		return r.out();
	}

	private static FutureTask<String> drain(InputStream in, String tool) {
		FutureTask<String> task = new FutureTask<>(() -> new String(in.readAllBytes(), StandardCharsets.UTF_8));
		Daemons.start(task, "mobilegt-tun " + tool);
		return task;
	}
}

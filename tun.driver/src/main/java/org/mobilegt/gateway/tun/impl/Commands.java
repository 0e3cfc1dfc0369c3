package org.mobilegt.gateway.tun.impl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs the system's network tools (ip, nft, iptables) with an argument vector, never through a
 * shell, and turns a failure into an exception carrying the tool's own message.
 */
class Commands {

	private static final List<String> PATH = List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin");
	private static final long TIMEOUT_SECONDS = 10;

	record Result(int exit, String out, String err) {
		boolean ok() {
			return exit == 0;
		}
	}

	/** Where {@code tool} is installed, if it is. */
	Optional<String> find(String tool) {
		return PATH.stream().map(dir -> Path.of(dir, tool)).filter(Files::isExecutable).map(Path::toString).findFirst();
	}

	/** Runs the command with {@code stdin} as its input; never throws for a non-zero exit. */
	Result run(List<String> command, String stdin) throws IOException {
		Process p = new ProcessBuilder(command).start();
		try {
			if (stdin != null) {
				p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
			}
			p.getOutputStream().close();
			String out = drain(p.getInputStream());
			String err = drain(p.getErrorStream());
			if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
				p.destroyForcibly();
				throw new IOException(String.join(" ", command) + ": no answer within " + TIMEOUT_SECONDS + " s");
			}
			return new Result(p.exitValue(), out, err.strip());
		} catch (InterruptedException e) {
			p.destroyForcibly();
			Thread.currentThread().interrupt();
			throw new IOException(String.join(" ", command) + ": interrupted");
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

	private static String drain(InputStream in) throws IOException {
		return new String(in.readAllBytes(), StandardCharsets.UTF_8);
	}
}

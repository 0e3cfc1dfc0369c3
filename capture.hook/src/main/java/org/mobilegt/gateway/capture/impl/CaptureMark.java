package org.mobilegt.gateway.capture.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Marks every process of one capture script, wherever it goes: an environment variable
 * {@value #VARIABLE} with a value unique to the capture, set on the script and inherited by all it
 * starts. {@link #processes()} finds the marked processes by reading {@code /proc/<pid>/environ}
 * of every process, so that a daemon that left the script's tree with {@code setsid} and a double
 * fork (re-parented to init, in a session and process group of its own) is still ended on stop.
 * The value also names the gateway process (pid and start time), so that the next start finds
 * what a gateway killed with -9 left running ({@link #orphans()}).
 * <p>
 * Why a mark and not a cgroup or a child subreaper: a cgroup v2 of our own needs a writable,
 * delegated cgroup2 hierarchy, which hybrid v1/v2 hosts, containers with a read-only cgroupfs and
 * systemd units without {@code Delegate=yes} do not give, and one left behind by a kill -9 is host
 * state. {@code PR_SET_CHILD_SUBREAPER} would make the JVM the parent of every orphan of every
 * bundle, which it would have to reap itself (Java only waits for the processes it started), and
 * an orphan's parent still would not say which capture it belongs to. The mark needs no privilege
 * beyond reading /proc as the same user, leaves nothing on the host, survives fork, exec, setsid
 * and double forks, and names the capture exactly. What it cannot catch is a process that also
 * empties its environment while leaving the tree within a second (between two looks at the
 * tree): that takes a script written to escape, not a tool that daemonizes.
 */
final class CaptureMark {

	static final String VARIABLE = "MOBILEGT_CAPTURE";
	private static final SecureRandom RANDOM = new SecureRandom();
	private static final Path PROC = Path.of("/proc");

	private final String value;
	private final byte[] entry;

	private CaptureMark(String value) {
		this.value = value;
		this.entry = (VARIABLE + "=" + value + "\0").getBytes(StandardCharsets.US_ASCII);
	}

	/**
	 * A new mark for the capture of {@code session}: unique across captures and gateway runs, and
	 * naming this gateway process ({@code <pid>-<start millis>-<session>-<random>}).
	 */
	static CaptureMark of(long session) {
		byte[] nonce = new byte[8];
		RANDOM.nextBytes(nonce);
		return new CaptureMark(owner(ProcessHandle.current()) + "-" + session + "-" + HexFormat.of().formatHex(nonce));
	}

	/**
	 * The marked processes whose gateway process is gone: left running by a gateway that could not
	 * stop them (kill -9, a crash). Those of gateways still running are theirs.
	 */
	static Set<ProcessHandle> orphans() {
		long self = ProcessHandle.current().pid();
		return ProcessHandle.allProcesses().filter(p -> p.pid() != self).filter(p -> {
			String value = valueOf(environ(p.pid()));
			return value != null && !ownerAlive(value);
		}).collect(Collectors.toSet());
	}

	private static String owner(ProcessHandle p) {
		return p.pid() + "-" + p.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
	}

	private static boolean ownerAlive(String value) {
		String[] parts = value.split("-");
		if (parts.length < 2 || !parts[0].matches("\\d{1,10}")) {
			return true; // not our format: not ours to judge
		}
		return ProcessHandle.of(Long.parseLong(parts[0])).filter(ProcessHandle::isAlive)
				.map(p -> owner(p).equals(parts[0] + "-" + parts[1])).orElse(false);
	}

	/** The value of {@value #VARIABLE} in {@code environ}, or null. */
	static String valueOf(byte[] environ) {
		byte[] prefix = (VARIABLE + "=").getBytes(StandardCharsets.US_ASCII);
		int at = indexOf(environ, prefix);
		if (at < 0) {
			return null;
		}
		int end = at + prefix.length;
		while (end < environ.length && environ[end] != 0) {
			end++;
		}
		return new String(environ, at + prefix.length, end - at - prefix.length, StandardCharsets.US_ASCII);
	}

	/** The variable's value, for the script's environment. */
	String value() {
		return value;
	}

	/** The live processes that carry this mark (the JVM itself never does). */
	Set<ProcessHandle> processes() {
		long self = ProcessHandle.current().pid();
		return ProcessHandle.allProcesses().filter(p -> p.pid() != self && carries(p.pid())).collect(Collectors.toSet());
	}

	private boolean carries(long pid) {
		return contains(environ(pid), entry);
	}

	/** The environment of a process, empty when it is gone or not ours to read (then not started by us either). */
	private static byte[] environ(long pid) {
		try {
			return Files.readAllBytes(PROC.resolve(Long.toString(pid)).resolve("environ"));
		} catch (IOException | SecurityException e) {
			return new byte[0];
		}
	}

	/** Whether {@code environ} (NUL-separated entries) holds {@code entry} (ending with NUL) as a whole entry. */
	static boolean contains(byte[] environ, byte[] entry) {
		return indexOf(environ, entry) >= 0;
	}

	/** Where an entry of {@code environ} starts with {@code start}, or -1. */
	private static int indexOf(byte[] environ, byte[] start) {
		outer: for (int i = 0; i + start.length <= environ.length; i++) {
			if (i > 0 && environ[i - 1] != 0) {
				continue;
			}
			for (int j = 0; j < start.length; j++) {
				if (environ[i + j] != start[j]) {
					continue outer;
				}
			}
			return i;
		}
		return -1;
	}
}

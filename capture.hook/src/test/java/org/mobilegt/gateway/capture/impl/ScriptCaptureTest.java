package org.mobilegt.gateway.capture.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mobilegt.gateway.common.testing.Ipv4Packets;

/** Supervision of capture scripts: real processes, fake scripts. */
class ScriptCaptureTest {

	private static final Target TARGET = new Target(3, "phone-1", Ipv4Packets.address("10.77.0.2"), "172.31.2.2:40000");

	@TempDir
	Path dir;

	private final List<String> log = new CopyOnWriteArrayList<>();
	private ScriptCapture capture;

	@AfterEach
	void cleanUp() {
		if (capture != null) {
			ProcessTree.terminate(capture.processes(), Duration.ZERO);
		}
	}

	private Path script(String body) throws IOException {
		Path s = dir.resolve("fake-capture.sh");
		Files.writeString(s, "#!/bin/sh\n" + body);
		Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwx------"));
		return s;
	}

	private ScriptCapture start(Path script, List<String> args) throws IOException {
		capture = ScriptCapture.start(TARGET, script, args, dir, log::add);
		return capture;
	}

	/** Waits (bounded) for a log line starting with {@code prefix}. */
	private String awaitLine(String prefix) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (System.nanoTime() < deadline) {
			for (String l : log) {
				if (l.startsWith(prefix)) {
					return l;
				}
			}
			Thread.sleep(20);
		}
		throw new AssertionError("no line '" + prefix + "' in " + log);
	}

	@Test
	void aScriptThatIgnoresSigtermIsKilledWithItsChildAfterTheTimeout() throws Exception {
		ScriptCapture c = start(script("trap '' TERM\nsleep 300 &\necho \"child $!\"\nwait\n"), List.of());
		long child = Long.parseLong(awaitLine("child ").substring(6));
		Set<ProcessHandle> tree = c.processes();
		assertThat(tree).extracting(ProcessHandle::pid).contains(c.pid(), child);

		long start = System.nanoTime();
		List<ProcessHandle> killed = ProcessTree.terminate(tree, Duration.ofSeconds(1));
		long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

		assertThat(killed).extracting(ProcessHandle::pid).contains(c.pid(), child);
		assertThat(millis).as("SIGKILL only after the stop timeout").isBetween(1000L, 4000L);
		assertThat(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false)).as("child %d", child).isFalse();
		assertThat(c.onExit().get(5, TimeUnit.SECONDS).exitValue()).isEqualTo(128 + 9);
	}

	@Test
	void aScriptThatHonoursSigtermNeedsNoSigkill() throws Exception {
		ScriptCapture c = start(script("echo ready\nexec sleep 300\n"), List.of());
		awaitLine("ready");
		long start = System.nanoTime();
		assertThat(ProcessTree.terminate(c.processes(), Duration.ofSeconds(5))).isEmpty();
		assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2000);
		assertThat(c.onExit().get(5, TimeUnit.SECONDS).exitValue()).isEqualTo(128 + 15);
	}

	@Test
	void childrenAreFoundAndEndedEvenOnceTheScriptIsGone() throws Exception {
		// the script dies on SIGTERM at once; its child ignores SIGTERM and is re-parented to init
		ScriptCapture c = start(script("sh -c \"trap '' TERM; echo grandchild \\$\\$; exec sleep 300\" &\nwait\n"), List.of());
		long grandchild = Long.parseLong(awaitLine("grandchild ").substring(11));
		c.refresh();
		List<ProcessHandle> killed = ProcessTree.terminate(c.processes(), Duration.ofMillis(500));
		assertThat(killed).extracting(ProcessHandle::pid).containsExactly(grandchild);
		assertThat(ProcessHandle.of(grandchild).map(ProcessHandle::isAlive).orElse(false)).isFalse();
	}

	@Test
	void aDaemonThatEscapedWithSetsidAndADoubleForkIsEndedToo() throws Exception {
		// the classic daemonization: a subshell starts a new session in the background and exits at once, so its child is
		// re-parented away from the script, in a session and process group of its own; it also ignores SIGTERM
		ScriptCapture c = start(script("(setsid sh -c \"trap '' TERM; echo escaped \\$\\$; exec sleep 300\" &)\n"
				+ "echo ready\nexec sleep 300\n"), List.of());
		long escaped = Long.parseLong(awaitLine("escaped ").substring(8));
		awaitLine("ready");
		ProcessHandle daemon = ProcessHandle.of(escaped).orElseThrow();
		assertThat(c.processes()).as("found by its mark").contains(daemon);
		assertThat(ProcessHandle.current().descendants()).as("outside the tree").doesNotContain(daemon);

		List<ProcessHandle> killed = ProcessTree.terminate(c.processes(), Duration.ofMillis(500), c::marked);
		assertThat(killed).extracting(ProcessHandle::pid).containsExactly(escaped);
		daemon.onExit().get(5, TimeUnit.SECONDS);
		assertThat(Path.of("/proc/" + escaped)).as("/proc/%d", escaped).doesNotExist();
		assertThat(c.marked()).isEmpty();
	}

	@Test
	void processesMarkedByAGatewayProcessThatIsGoneAreOrphans() throws Exception {
		// as a capture of an earlier gateway process that was killed -9: its owner pid/start time names no live process
		Path orphan = script("echo orphan\nexec sleep 300\n");
		ProcessBuilder b = new ProcessBuilder(orphan.toString()).redirectErrorStream(true);
		b.environment().put(CaptureMark.VARIABLE, "999999999-1-3-00");
		Process dead = b.start();
		b.environment().put(CaptureMark.VARIABLE, CaptureMark.of(4).value()); // ours: this JVM runs
		Process live = b.start();
		try {
			assertThat(CaptureMark.orphans()).contains(dead.toHandle()).doesNotContain(live.toHandle());
		} finally {
			dead.destroyForcibly();
			live.destroyForcibly();
		}
		assertThat(CaptureMark.valueOf("A=1\0MOBILEGT_CAPTURE=7-8-3-ab\0B=2\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
				.isEqualTo("7-8-3-ab");
		assertThat(CaptureMark.valueOf("XMOBILEGT_CAPTURE=7\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII))).isNull();
	}

	@Test
	void aZombieCountsAsEnded() throws Exception {
		Process p = new ProcessBuilder("true").start();
		long pid = p.pid();
		assertThat(ProcessTree.ended(ProcessHandle.current().pid())).isFalse();
		p.waitFor(5, TimeUnit.SECONDS);
		assertThat(ProcessTree.ended(pid)).as("reaped: gone").isTrue();
		// a zombie: the shell's child exits at once, and the program the shell becomes (sleep) never reaps it
		Process sh = new ProcessBuilder("sh", "-c", "true & exec sleep 3").start();
		try {
			Thread.sleep(500);
			ProcessHandle zombie = sh.children().findFirst().orElseThrow();
			assertThat(zombie.isAlive()).as("what Java says of a zombie").isTrue();
			assertThat(ProcessTree.ended(zombie.pid())).as("zombie %d", zombie.pid()).isTrue();
			assertThat(ProcessTree.ended(sh.pid())).isFalse();
		} finally {
			sh.destroyForcibly();
		}
	}

	@Test
	void theMarkMatchesWholeEntriesOnly() {
		byte[] env = "A=1\0MOBILEGT_CAPTURE=7-3-ab\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
		assertThat(CaptureMark.contains(env, "MOBILEGT_CAPTURE=7-3-ab\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII))).isTrue();
		assertThat(CaptureMark.contains(env, "MOBILEGT_CAPTURE=7-3-a\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII))).isFalse();
		assertThat(CaptureMark.contains(env, "CAPTURE=7-3-ab\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII))).isFalse();
	}

	@Test
	void argumentsReachTheScriptVerbatimAndRunNothing() throws Exception {
		Path marker = dir.resolve("pwned");
		String hostile = "a;touch " + marker + ";$(touch " + marker + ")`touch " + marker + "`|touch " + marker + " && x";
		List<String> argv = ArgsTemplate.parse("--client={client} {client} {session}").expand(java.util.Map.of("client", hostile, "session", "3"));
		ScriptCapture c = start(script("for a in \"$@\"; do printf '[%s]\\n' \"$a\"; done > args.txt\n"), argv);
		assertThat(c.onExit().get(10, TimeUnit.SECONDS).exitValue()).isZero();
		assertThat(Files.readAllLines(dir.resolve("args.txt"))).containsExactly("[--client=" + hostile + "]", "[" + hostile + "]", "[3]");
		assertThat(marker).doesNotExist();
	}

	@Test
	void theExitCodeAndTheLastOutputAreKept() throws Exception {
		ScriptCapture c = start(script("echo 'dumpcap: no such device mgt9' >&2\nexit 3\n"), List.of());
		assertThat(c.onExit().get(10, TimeUnit.SECONDS).exitValue()).isEqualTo(3);
		assertThat(c.exitCode()).isEqualTo(3);
		assertThat(c.outputTail()).isEqualTo("dumpcap: no such device mgt9");
		assertThat(log).containsExactly("dumpcap: no such device mgt9");
		assertThat(c.info().pid()).isEqualTo(c.pid());
		assertThat(c.info().method()).isEqualTo("script");
	}
}

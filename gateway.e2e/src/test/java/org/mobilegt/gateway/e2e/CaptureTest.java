package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Per-session capture (capture.hook) with real clients: what a capture file holds, read back by
 * tshark; that a hostile client id runs nothing; that no capture process outlives a bundle stop,
 * a bundle update or the gateway.
 */
@RequiresRoot
class CaptureTest {

	private static final String SECRET = "s3cret";
	private static final Duration START = Duration.ofSeconds(60);
	private static final Duration CAPTURING = Duration.ofSeconds(20);
	private static final Path TSHARK = Path.of("/usr/bin/tshark");
	/** dumpcap reports its output file once its capture socket and filter are in place. */
	private static final String DUMPCAP_READY = "]: File: ";

	@BeforeAll
	static void tools() {
		assumeTrue(Files.isExecutable(TSHARK) && Files.isExecutable(Path.of("/usr/bin/dumpcap")),
				"SKIPPED: tshark/dumpcap are not installed (Debian package tshark; scripts/test.sh installs it)");
	}

	@Test
	void scriptAndBuiltinCapturesHoldExactlyTheirClientsPings() throws IOException {
		try (Topology t = Topology.create();
				Gateway gw = Gateway.in(t, "CaptureTest/scriptAndBuiltin").conf("mobilegt.auth", Map.of("key", SECRET))
						.conf("mobilegt.capture", Map.of("mode", "demand")).interactive().start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			try (ToyVpnClient alice = ToyVpnClient.withTun(t.phone(), server, "mgtc0", SECRET, "alice");
					ToyVpnClient bob = ToyVpnClient.withTun(t.phone(), server, "mgtc1", SECRET, "bob")) {
				String a = alice.parameters().address();
				String b = bob.parameters().address();
				Path dir = gw.workDir().resolve("capture");

				// (a) the default script (dumpcap here), supervised by the gateway
				int mark = gw.logMark();
				assertThat(gw.gogo("vpn:capture start alice")).startsWith("capturing session").contains("(script");
				gw.awaitLog(DUMPCAP_READY, mark, CAPTURING);
				pingBoth(t);
				Path scriptFile = onlyFile(dir, "glob:*_alice_*.pcapng");
				// dumpcap hands packets over in blocks (no immediate mode): a stop right away could lose the last ones
				awaitPackets(scriptFile, 6);
				assertThat(gw.gogo("vpn:capture stop alice")).isEqualTo("capture of alice stopped");
				assertThat(icmp(scriptFile)).as("tshark -r %s", scriptFile).containsExactlyInAnyOrderElementsOf(pings(a, t.inetAddress()));

				// (b) the built-in pcap writer, switched to live
				mark = gw.logMark();
				gw.conf("mobilegt.capture", Map.of("method", "builtin"));
				gw.awaitLog("Capture: mode demand, method builtin", mark, CAPTURING);
				assertThat(gw.gogo("vpn:capture start alice")).startsWith("capturing session").contains("(builtin");
				assertThat(gw.gogo("vpn:capture")).contains("builtin").contains(a);
				pingBoth(t);
				assertThat(gw.gogo("vpn:capture stop alice")).isEqualTo("capture of alice stopped");
				Path builtinFile = onlyFile(dir, "glob:*_alice_*.pcap");
				assertThat(icmp(builtinFile)).as("tshark -r %s", builtinFile).containsExactlyInAnyOrderElementsOf(pings(a, t.inetAddress()));
				assertThat(gw.log()).anyMatch(l -> l.contains("Built-in capture of session") && l.contains("ended: 6 packets, 0 dropped"));
				// client traffic, and client ids in the names: for root's eyes only, from creation on
				assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(builtinFile))).as("%s", builtinFile).isEqualTo("rw-------");
				assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).as("%s", dir).isEqualTo("rwx------");
				assertThat(b).isNotEqualTo(a);
			}
		}
	}

	@Test
	void bothMethodsHoldAClientsIpv6PacketsToo() throws IOException {
		try (Topology t = Topology.create();
				Gateway gw = Gateway.in(t, "CaptureTest/ipv6").conf("mobilegt.auth", Map.of("key", SECRET))
						.conf("mobilegt.capture", Map.of("mode", "demand")).interactive().start()) {
			String inet6 = t.addIpv6Internet();
			InetSocketAddress server = gw.awaitTunnel(START);
			try (ToyVpnClient alice = ToyVpnClient.withTun(t.phone(), server, "mgtc0", SECRET, "alice")) {
				List<String> expected = new ArrayList<>(pings(alice.parameters().address(), t.inetAddress()));
				for (int i = 0; i < 3; i++) {
					expected.add(alice.parameters().address6() + " " + inet6 + " 128");
					expected.add(inet6 + " " + alice.parameters().address6() + " 129");
				}
				Path dir = gw.workDir().resolve("capture");

				int mark = gw.logMark();
				assertThat(gw.gogo("vpn:capture start alice")).contains("(script");
				gw.awaitLog(DUMPCAP_READY, mark, CAPTURING);
				pingBothFamilies(t, inet6);
				Path scriptFile = onlyFile(dir, "glob:*_alice_*.pcapng");
				awaitPackets(scriptFile, 12);
				assertThat(gw.gogo("vpn:capture stop alice")).isEqualTo("capture of alice stopped");
				assertThat(icmp(scriptFile)).as("tshark -r %s", scriptFile).containsExactlyInAnyOrderElementsOf(expected);

				mark = gw.logMark();
				gw.conf("mobilegt.capture", Map.of("method", "builtin"));
				gw.awaitLog("Capture: mode demand, method builtin", mark, CAPTURING);
				assertThat(gw.gogo("vpn:capture start alice")).contains("(builtin");
				pingBothFamilies(t, inet6);
				assertThat(gw.gogo("vpn:capture stop alice")).isEqualTo("capture of alice stopped");
				Path builtinFile = onlyFile(dir, "glob:*_alice_*.pcap");
				assertThat(icmp(builtinFile)).as("tshark -r %s", builtinFile).containsExactlyInAnyOrderElementsOf(expected);
			}
		}
	}

	private static void pingBothFamilies(Topology t, String inet6) {
		assertThat(ping(t, "mgtc0").out()).contains("3 packets transmitted, 3 received");
		assertThat(Scenarios.ping(t.phone(), "mgtc0", inet6, 3).out()).contains("3 packets transmitted, 3 received");
	}

	@Test
	void aClientIdFullOfShellMetacharactersRunsNothing() throws IOException {
		Path marker = Path.of("/tmp/pwned-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
		String id = "a;touch " + marker + ";$(touch " + marker + ")`id`";
		try (Topology t = Topology.create();
				Gateway gw = Gateway.in(t, "CaptureTest/hostileClientId").conf("mobilegt.auth", Map.of("key", SECRET))
						.conf("mobilegt.capture", Map.of("mode", "all")).interactive().start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			int mark = gw.logMark();
			try (ToyVpnClient evil = ToyVpnClient.withTun(t.phone(), server, "mgtc0", SECRET, id)) {
				String a = evil.parameters().address();
				Path dir = gw.workDir().resolve("capture");
				gw.awaitLog(DUMPCAP_READY, mark, CAPTURING); // mode all: the session's open started it
				assertThat(ping(t, "mgtc0").out()).contains("3 packets transmitted, 3 received");
				awaitPackets(onlyFile(dir, "glob:*.pcapng"), 6);
				assertThat(gw.gogo("vpn:capture stop " + a)).isEqualTo("capture of " + a + " stopped");

				mark = gw.logMark();
				gw.conf("mobilegt.capture", Map.of("method", "builtin")); // mode all: the live session is captured again
				gw.awaitLog("started: builtin", mark, CAPTURING);
				assertThat(ping(t, "mgtc0").out()).contains("3 packets transmitted, 3 received");
				assertThat(gw.gogo("vpn:capture stop " + a)).isEqualTo("capture of " + a + " stopped");

				assertThat(marker).as("the client id ran a command").doesNotExist();
				List<Path> files = files(dir);
				assertThat(files).hasSize(2).allSatisfy(f -> assertThat(f.getFileName().toString())
						.matches("\\d{8}T\\d{6}\\.\\d{3}Z_s\\d+_a_touch__tmp_pwned-[0-9a-f]{8}_[A-Za-z0-9._-]*~[0-9a-f]{8}_\\d{5}(_\\d{14}\\.pcapng|\\.pcap)"));
				for (Path f : files) {
					assertThat(icmp(f)).as("tshark -r %s", f).containsExactlyInAnyOrderElementsOf(pings(a, t.inetAddress()));
				}
			} finally {
				Files.deleteIfExists(marker);
			}
		}
	}

	@Test
	void failuresAndLimitsAreReportedAndTheTunnelCarriesOn() throws IOException {
		try (Topology t = Topology.create();
				Gateway gw = Gateway.in(t, "CaptureTest/failuresAndLimits").conf("mobilegt.auth", Map.of("key", SECRET))
						.conf("mobilegt.capture", Map.of("mode", "demand", "maxConcurrent", "1")).interactive()) {
			Path failing = gw.workDir().resolve("failing-capture.sh");
			Files.writeString(failing, "#!/bin/sh\necho 'no capture tool on this box' >&2\nexit 3\n");
			Files.setPosixFilePermissions(failing, PosixFilePermissions.fromString("rwxr-xr-x"));
			gw.start();
			InetSocketAddress server = gw.awaitTunnel(START);
			try (ToyVpnClient alice = ToyVpnClient.withTun(t.phone(), server, "mgtc0", SECRET, "alice");
					ToyVpnClient bob = ToyVpnClient.withTun(t.phone(), server, "mgtc1", SECRET, "bob")) {
				Path missing = gw.workDir().resolve("missing-capture.sh");
				assertThat(gw.gogo("vpn:set mobilegt.capture script " + missing))
						.isEqualTo("rejected: mobilegt.capture: script=" + missing + " does not exist; the previous value is kept");

				assertThat(gw.gogo("vpn:set mobilegt.capture script " + failing)).endsWith("applied");
				assertThat(gw.gogo("vpn:capture start alice")).startsWith("cannot capture alice: capture script of session ")
						.endsWith("(client alice, " + alice.parameters().address() + ") exited with code 3: no capture tool on this box");
				assertThat(gw.gogo("vpn:status")).contains("last error: capture script of session").contains("exited with code 3");
				assertThat(gw.log()).anyMatch(l -> l.contains("ERROR") && l.contains("exited with code 3: no capture tool on this box"));
				pingBoth(t); // the tunnel does not care

				assertThat(gw.gogo("vpn:set mobilegt.capture method builtin")).endsWith("applied");
				assertThat(gw.gogo("vpn:capture start alice")).contains("(builtin");
				assertThat(gw.gogo("vpn:capture start bob")).isEqualTo("cannot capture bob: cannot capture session 2 (client bob, "
						+ bob.parameters().address() + "): 1 captures are running (maxConcurrent=1)");
				assertThat(gw.gogo("vpn:capture stop alice")).isEqualTo("capture of alice stopped");

				assertThat(gw.gogo("vpn:set mobilegt.capture maxSeconds 1")).endsWith("applied");
				int mark = gw.logMark();
				assertThat(gw.gogo("vpn:capture start bob")).contains("(builtin");
				gw.awaitLog("stopped (maxSeconds=1 reached)", mark, CAPTURING);
				assertThat(gw.gogo("vpn:capture").lines().filter(l -> l.matches("\\s*\\d+\\s.*"))).as("capture rows").isEmpty();
				pingBoth(t);
			}
		}
	}

	@Test
	void noCaptureProcessOutlivesABundleStopAnUpdateOrTheGateway() throws Exception {
		try (Topology t = Topology.create();
				Gateway gw = Gateway.in(t, "CaptureTest/noOrphans").conf("mobilegt.auth", Map.of("key", SECRET))
						.conf("mobilegt.tunnel", Map.of("idleTimeoutSeconds", "600")) // plain clients send no keepalives
						.interactive()) {
			// a capture script as bad as it gets: it ignores SIGTERM, and so does the child it starts
			Path script = gw.workDir().resolve("stubborn-capture.sh");
			Files.writeString(script, "#!/bin/sh\ntrap '' TERM\nsh -c \"trap '' TERM; exec sleep 600\" &\n"
					+ "echo \"stubborn capture of $1 running, child $!\"\nwait\n");
			Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
			gw.conf("mobilegt.capture", Map.of("mode", "all", "script", script.toString(), "args", "{address}", "stopTimeoutSeconds", "1"));
			gw.start();
			InetSocketAddress server = gw.awaitTunnel(START);
			try (ToyVpnClient alice = ToyVpnClient.open(t.phone(), server); ToyVpnClient bob = ToyVpnClient.open(t.phone(), server)) {
				int mark = gw.logMark();
				List<String> addresses = List.of(alice.handshake(SECRET, "alice").address(), bob.handshake(SECRET, "bob").address());
				Set<Long> first = awaitCaptures(gw, addresses, mark);
				String bundle = bundleId(gw.gogo("lb -s"), "org.mobilegt.gateway.capture.hook");

				mark = gw.logMark();
				gw.gogo("stop " + bundle);
				assertThat(alive(first)).as("capture processes after stopping the bundle").isEmpty();
				assertThat(captureProcesses(gw)).isEmpty();
				gw.awaitLog("ignored SIGTERM for 1 s and were killed", mark, CAPTURING);

				mark = gw.logMark();
				gw.gogo("start " + bundle); // mode all: the live sessions are captured again
				Set<Long> second = awaitCaptures(gw, addresses, mark);
				assertThat(second).doesNotContainAnyElementsOf(first);

				mark = gw.logMark();
				assertThat(gw.gogo("update " + bundle + " " + captureBundle(gw).toUri())).doesNotContain("Exception");
				Set<Long> third = awaitCaptures(gw, addresses, mark);
				assertThat(alive(second)).as("capture processes of the bundle before its update").isEmpty();
				assertThat(third).doesNotContainAnyElementsOf(second);
				assertThat(gw.gogo("vpn:status")).contains("capture   mode all");

				// the gateway's own shutdown (SIGTERM to the JVM) ends them too, before the harness looks
				ProcessHandle jvm = ProcessHandle.of(gw.pid()).orElseThrow();
				jvm.destroy();
				jvm.onExit().get(30, TimeUnit.SECONDS);
				assertThat(alive(third)).as("capture processes after the gateway stopped").isEmpty();
				assertThat(gw.stop()).isEqualTo(143);
			}
		}
	}

	// ---- helpers

	/** Pings the inet host 3 times from each client (mgtc0, mgtc1), both must get every reply. */
	private static void pingBoth(Topology t) {
		assertThat(ping(t, "mgtc1").out()).contains("3 packets transmitted, 3 received");
		assertThat(ping(t, "mgtc0").out()).contains("3 packets transmitted, 3 received");
	}

	private static Exec.Result ping(Topology t, String device) {
		return Netns.exec(t.phone(), "ping", "-c", "3", "-i", "0.2", "-W", "2", "-I", device, t.inetAddress());
	}

	/** What a capture of {@code client}'s 3 pings to {@code host} must hold: requests and replies. */
	private static List<String> pings(String client, String host) {
		List<String> expected = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			expected.add(client + " " + host + " 8");
			expected.add(host + " " + client + " 0");
		}
		return expected;
	}

	/** "src dst icmp-type" (ICMPv6: its type) of every packet in {@code file}, as tshark reads it. */
	private static List<String> icmp(Path file) {
		Exec.Result r = Exec.run(Duration.ofSeconds(60), TSHARK.toString(), "-r", file.toString(), "-T", "fields", "-e", "ip.src",
				"-e", "ip.dst", "-e", "icmp.type", "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "icmpv6.type");
		assertThat(r.ok()).as("%s", r).isTrue();
		return r.out().lines().filter(l -> !l.isBlank()).map(l -> l.replace('\t', ' ').strip().replaceAll(" +", " ")).toList();
	}

	/** Waits (bounded) until tshark reads {@code count} packets in the file a running capture writes. */
	private static void awaitPackets(Path file, int count) {
		long deadline = System.nanoTime() + CAPTURING.toNanos();
		while (System.nanoTime() < deadline) {
			Exec.Result r = Exec.run(Duration.ofSeconds(60), TSHARK.toString(), "-r", file.toString());
			if (r.out().lines().filter(l -> !l.isBlank()).count() >= count) {
				return;
			}
			Sleep.millis(250);
		}
		throw new AssertionError(file + " did not get " + count + " packets within " + CAPTURING);
	}

	private static Path onlyFile(Path dir, String glob) throws IOException {
		var matcher = dir.getFileSystem().getPathMatcher(glob);
		List<Path> found = files(dir).stream().filter(p -> matcher.matches(p.getFileName())).toList();
		assertThat(found).as("%s in %s (all: %s)", glob, dir, files(dir)).hasSize(1);
		return found.get(0);
	}

	private static List<Path> files(Path dir) throws IOException {
		try (Stream<Path> s = Files.list(dir)) {
			return s.sorted().toList();
		}
	}

	/** Waits until both addresses' captures report running; returns the PIDs of their processes. */
	private static Set<Long> awaitCaptures(Gateway gw, List<String> addresses, int mark) {
		for (String a : addresses) {
			gw.awaitLog("stubborn capture of " + a + " running", mark, CAPTURING);
		}
		// a process caught inside its exec shows no command line for a moment: look again
		Set<Long> pids = captureProcesses(gw);
		for (int i = 0; pids.size() != 4 && i < 50; i++) {
			Sleep.millis(100);
			pids = captureProcesses(gw);
		}
		assertThat(pids).as("2 scripts and 2 children").hasSize(4);
		return pids;
	}

	/** The gateway's descendants that belong to a capture (scripts and what they started). */
	private static Set<Long> captureProcesses(Gateway gw) {
		return ProcessHandle.of(gw.pid()).orElseThrow().descendants()
				.filter(p -> p.info().commandLine().map(c -> c.contains("stubborn-capture") || c.contains("sleep 600")).orElse(false))
				.map(ProcessHandle::pid).collect(Collectors.toSet());
	}

	private static Set<Long> alive(Set<Long> pids) {
		return pids.stream().filter(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false))
				.collect(Collectors.toCollection(java.util.TreeSet::new));
	}

	/** The id of bundle {@code bsn} in the output of {@code lb -s}. */
	private static String bundleId(String lb, String bsn) {
		Matcher m = Pattern.compile("(?m)^\\s*(\\d+)\\|Active\\s*\\|.*\\|" + Pattern.quote(bsn) + " ").matcher(lb);
		assertThat(m.find()).as("%s active in:%n%s", bsn, lb).isTrue();
		return m.group(1);
	}

	/** The capture.hook bundle as gateway.jar embeds it, copied out for {@code update <id> <url>}. */
	private static Path captureBundle(Gateway gw) {
		Path target = gw.workDir().resolve("capture.hook-update.jar");
		try (ZipFile jar = new ZipFile(E2e.gatewayJar().toFile())) {
			ZipEntry entry = Collections.list(jar.entries()).stream()
					.filter(e -> e.getName().matches("jar/capture\\.hook-.*\\.jar")).findFirst()
					.orElseThrow(() -> new AssertionError("no capture.hook bundle in " + E2e.gatewayJar()));
			try (InputStream in = jar.getInputStream(entry)) {
				Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
			}
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return target;
	}
}

package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Hostile input: over 100 000 random and mutated datagrams ({@link Fuzzer}, seeded) from many
 * ports of three source addresses and through a session of their own, while a real client keeps
 * pinging through the gateway. Nothing may fall over: the client's pings keep getting answers, a
 * new client can still connect afterwards, the gateway's threads are all there, memory and logs
 * stay bounded, and every datagram is accounted for by a drop reason (or was forwarded).
 * Throttling is set out of reach here, so that every datagram meets the checks it is meant for
 * (FloodTest covers throttling). Figures in {@code target/e2e/FuzzTest/hostile/figures.txt}.
 */
@RequiresRoot
class FuzzTest {

	private static final long SEED = 20261125L;
	private static final int DATAGRAMS = 120_000;
	private static final int PER_SECOND = 8_000;
	private static final int LOG_SIZE = 100;
	private static final Duration PING_INTERVAL = Duration.ofMillis(50);
	/** Replies the legitimate client may miss while the gateway is under fire. */
	private static final double PING_LOSS_BUDGET = 0.05;
	/** -Xmx256m plus metaspace, thread stacks and direct buffers. */
	private static final long RSS_LIMIT_KB = 512 * 1024;
	/** What the rate-limited warnings may add to the log file in one run like this. */
	private static final long LOG_GROWTH_LIMIT = 256 * 1024;
	/** The threads the tunnel cannot work without: uplink, downlink, housekeeping, sessions, control workers. */
	private static final List<String> THREADS = List.of("mobilegt-uplink", "mobilegt-downli", "mobilegt-tunnel", "mobilegt-sessio",
			"mobilegt-contro");

	/** What a run measured, for the assertions particular to each test. */
	private record Run(long sent, Map<String, Long> counted, Map<Fuzzer.Kind, Long> kinds, long kernelDrops) {
	}

	@Test
	void hundredThousandHostileDatagramsAreCountedAndDroppedWhileRealClientsCarryOn() throws IOException {
		try (Topology t = Topology.create();
				Gateway gw = Scenarios.gateway(t, "FuzzTest/hostile")
						.conf("mobilegt.auth", Map.of("maxFailuresPerMinute", "100000", "logSize", Integer.toString(LOG_SIZE)))
						.start()) {
			List<String> fuzzAddresses = List.of(t.addPhoneAddress(3), t.addPhoneAddress(4), t.addPhoneAddress(5));
			Run run = run(t, gw, fuzzAddresses, 32);
			Map<String, Long> byReason = new TreeMap<>(run.counted());
			// no session, no reply: refused by the key check, dropped as BUSY for a full control queue, or
			// dropped unread as MALFORMED for more than 1024 bytes
			byReason.merge("HANDSHAKE_REFUSED", byReason.getOrDefault("BUSY", 0L) + byReason.getOrDefault("MALFORMED", 0L), Long::sum);
			long mutated = run.kinds().get(Fuzzer.Kind.SESSION_MUTATED) + run.kinds().get(Fuzzer.Kind.SESSION_TCP);
			expectedDrops(run.kinds()).forEach((reason, n) -> assertThat(byReason.getOrDefault(reason, 0L))
					.as("drops.%s, expected %d (+ up to %d mutated or TCP)", reason, n, mutated)
					.isBetween(n - run.kernelDrops(), n + mutated));
		}
	}

	/**
	 * The same with throttling on, as deployed: the sessionless datagrams come from 1,024 source
	 * addresses (one port each), so that thousands of sources are throttled for their wrong keys
	 * while the rest is counted for what it is; mallory's session sends TCP segments through the
	 * offload path too.
	 */
	@Test
	void withThrottlingOnAcrossAThousandSourcesEverythingIsCountedAndBounded() throws IOException {
		try (Topology t = Topology.create();
				Gateway gw = Scenarios.gateway(t, "FuzzTest/throttled").conf("mobilegt.auth", Map.of("logSize", Integer.toString(LOG_SIZE)))
						.start()) {
			Run run = run(t, gw, SpoofedSources.add(t, 1024), 1);
			Map<Fuzzer.Kind, Long> kinds = run.kinds();
			long sessionless = kinds.entrySet().stream().filter(e -> !e.getKey().viaSession()).mapToLong(Map.Entry::getValue).sum();
			long counted = List.of("TRUNCATED", "UNKNOWN_ENDPOINT", "HANDSHAKE_REFUSED", "THROTTLED", "MALFORMED", "BUSY").stream()
					.mapToLong(r -> run.counted().getOrDefault(r, 0L)).sum();
			long viaSession = kinds.entrySet().stream().filter(e -> e.getKey().viaSession()).mapToLong(Map.Entry::getValue).sum();
			assertThat(run.counted().getOrDefault("THROTTLED", 0L)).as("drops.THROTTLED: throttling is on").isPositive();
			assertThat(counted).as("sessionless datagrams counted as refused, throttled, unknown or malformed")
					.isBetween(sessionless - run.kernelDrops(), sessionless + viaSession);
		}
	}

	/**
	 * Fuzzes from {@code portsPerAddress} ports of each of {@code fuzzAddresses} and through
	 * mallory's session while a real client pings, then checks what every fuzz run must show.
	 */
	private static Run run(Topology t, Gateway gw, List<String> fuzzAddresses, int portsPerAddress) throws IOException {
		InetSocketAddress server = gw.awaitTunnel(START);
		String malloryAddress = t.addPhoneAddress(6);
		try (ToyVpnClient pinger = ToyVpnClient.withTun(t.phone(), server, "mgtc0", KEY, "pinger");
				ToyVpnClient mallory = ToyVpnClient.open(t.phone(), malloryAddress, server)) {
			mallory.handshake(KEY, "mallory");
			assertThat(Scenarios.ping(t.phone(), pinger.tunName(), t.inetAddress(), 3).out()).contains(Scenarios.allReplied(3));

			long rssBefore = rssKb(gw);
			long logBefore = logBytes(gw);
			int mark = gw.logMark();
			VpnShell.Stats before = VpnShell.stats(gw);
			long malloryBefore = mallory(gw).rxPackets();
			Map<String, Long> udpBefore = udpCounters(t.gw());

			long sent;
			Fuzzer fuzzer;
			PingLog.Window during;
			long fuzzMillis;
			long started = System.currentTimeMillis();
			try (PingLog ping = PingLog.start(t.phone(), pinger.tunName(), t.inetAddress(), PING_INTERVAL, Duration.ofMinutes(2));
					Fuzzer f = Fuzzer.open(SEED, t.phone(), fuzzAddresses, portsPerAddress, server, mallory, t.inetAddress(), KEY)) {
				fuzzer = f;
				assertThat(ping.awaitReplyAfter(started, Duration.ofSeconds(10))).as(ping.tail()).isTrue();
				sent = f.run(DATAGRAMS, PER_SECOND, Duration.ofSeconds(90));
				long ended = System.currentTimeMillis();
				assertThat(ping.awaitReplyAfter(ended, Duration.ofSeconds(10))).as("ping after the fuzzing: %s", ping.tail()).isTrue();
				during = ping.window(started, ended);
				fuzzMillis = ended - started;
				assertThat(during.lossRatio()).as("ping loss while fuzzing: %s", during).isLessThanOrEqualTo(PING_LOSS_BUDGET);
			}
			assertThat(sent).as("datagrams fuzzed").isGreaterThanOrEqualTo(100_000);
			VpnShell.Stats after = awaitQuiet(gw);
			long malloryForwarded = mallory(gw).rxPackets() - malloryBefore;
			Map<String, Long> udpAfter = udpCounters(t.gw());
			long kernelDrops = udpAfter.getOrDefault("RcvbufErrors", 0L) - udpBefore.getOrDefault("RcvbufErrors", 0L);

			// nothing died: the threads are there, and a new client connects and pings
			assertThat(threads(gw)).as("gateway threads").containsAll(THREADS);
			try (ToyVpnClient newcomer = ToyVpnClient.withTun(t.phone(), server, "mgtc1", KEY, "newcomer")) {
				assertThat(Scenarios.ping(t.phone(), newcomer.tunName(), t.inetAddress(), 3).out())
						.as("a new client after the fuzzing").contains(Scenarios.allReplied(3));
			}

			// every datagram counted: by drop reason, or forwarded for mallory's well-formed packets
			Map<String, Long> counted = new TreeMap<>();
			after.drops().forEach((r, n) -> counted.put(r, n - before.drops(r)));
			counted.values().removeIf(n -> n == 0);
			long dropped = counted.values().stream().mapToLong(Long::longValue).sum();
			Map<String, Long> expectedByReason = expectedDrops(fuzzer.sent());
			long mutated = fuzzer.sent().get(Fuzzer.Kind.SESSION_MUTATED) + fuzzer.sent().get(Fuzzer.Kind.SESSION_TCP);
			long rssAfter = rssKb(gw);
			long logAfter = logBytes(gw);
			List<String> newLines = gw.log().subList(mark, gw.logMark());
			List<VpnShell.Attempt> attempts = VpnShell.illegal(gw, 100_000);
			long rejections = after.rejections().values().stream().mapToLong(Long::longValue).sum();

			List<String> figures = new ArrayList<>();
			figures.add(String.format(Locale.ROOT, "fuzzed %d datagrams (%d bytes, seed %d) at about %d/s from %d ports of %s and "
					+ "mallory's session at %s", sent, fuzzer.bytes(), SEED, PER_SECOND, portsPerAddress * fuzzAddresses.size(),
					fuzzAddresses.size() > 8 ? fuzzAddresses.size() + " addresses" : fuzzAddresses, malloryAddress));
			figures.add("sent by kind: " + new TreeMap<>(fuzzer.sent()));
			figures.add("a legitimate ping every " + PING_INTERVAL.toMillis() + " ms during the " + fuzzMillis + " ms: " + during);
			figures.add("drops counted (delta): " + counted + ", total " + dropped);
			figures.add("drops expected by kind (mutated packets and TCP, " + mutated + ", fall anywhere): " + expectedByReason);
			figures.add(String.format(Locale.ROOT, "accounted: %d dropped + %d forwarded = %d of %d sent; kernel receive-buffer "
					+ "drops in the gw namespace: %d", dropped, malloryForwarded, dropped + malloryForwarded, sent, kernelDrops));
			figures.add(String.format(Locale.ROOT, "RSS of the gateway JVM: %d MB before, %d MB after", rssBefore / 1024,
					rssAfter / 1024));
			figures.add(String.format(Locale.ROOT, "log: %d lines, file +%d bytes; illegal-attempt log holds %d (logSize %d) of "
					+ "%d rejections counted", newLines.size(), logAfter - logBefore, attempts.size(), LOG_SIZE, rejections));
			figures.forEach(f -> E2e.log("MEASURED " + f));
			Files.write(gw.workDir().resolve("figures.txt"), figures);

			// a datagram the kernel dropped for a full buffer never reached the gateway; none is counted twice
			assertThat(dropped + malloryForwarded).as("dropped + forwarded of %d sent", sent)
					.isBetween(sent - kernelDrops, sent + 20 /* the clients' own keepalive or ping drops */);
			assertThat(rssAfter).as("RSS in kB after the fuzzing").isLessThan(RSS_LIMIT_KB);
			assertThat(attempts.size()).as("entries in the illegal-attempt log").isLessThanOrEqualTo(LOG_SIZE);
			assertThat(rejections).as("rejections counted").isGreaterThan(sent / 4);
			assertThat(logAfter - logBefore).as("log file growth in bytes").isLessThan(LOG_GROWTH_LIMIT);
			assertThat(newLines).as("no exception in the log").noneMatch(l -> l.contains("Exception") || l.startsWith("\tat "));
			assertThat(newLines.stream().filter(l -> l.contains(" ERROR "))).as("errors logged (rate-limited)").hasSizeLessThan(20);
			return new Run(sent, counted, fuzzer.sent(), kernelDrops);
		}
	}

	/**
	 * The drop reasons the kinds imply; handshake refusals include the ones dropped as BUSY when the
	 * control queue was full (both mean: no session, no reply).
	 */
	private static Map<String, Long> expectedDrops(Map<Fuzzer.Kind, Long> sent) {
		Map<String, Long> expected = new TreeMap<>();
		sent.forEach((kind, n) -> {
			if (kind.expected != null && !kind.expected.equals("FORWARDED")) {
				expected.merge(kind.expected, n, Long::sum);
			}
		});
		return expected;
	}

	/** Stats once the gateway has worked off its queues: two reads in a row with the same drop counts. */
	private static VpnShell.Stats awaitQuiet(Gateway gw) {
		VpnShell.Stats last = VpnShell.stats(gw);
		for (int i = 0; i < 50; i++) {
			Sleep.millis(200);
			VpnShell.Stats now = VpnShell.stats(gw);
			if (now.drops().equals(last.drops())) {
				return now;
			}
			last = now;
		}
		return last;
	}

	private static VpnShell.Client mallory(Gateway gw) {
		return VpnShell.clients(gw).stream().filter(c -> "mallory".equals(c.clientId())).findFirst()
				.orElseThrow(() -> new AssertionError("mallory's session is gone"));
	}

	/** Resident set size of the gateway's JVM, from /proc. */
	static long rssKb(Gateway gw) {
		try {
			return Files.readAllLines(Path.of("/proc", Long.toString(gw.pid()), "status")).stream()
					.filter(l -> l.startsWith("VmRSS:")).map(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst()
					.orElseThrow();
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** The gateway's own thread names (as /proc shows them: 15 characters at most). */
	private static List<String> threads(Gateway gw) {
		try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(gw.pid()), "task"))) {
			return tasks.map(p -> {
				try {
					return Files.readString(p.resolve("comm")).strip();
				} catch (IOException e) {
					return ""; // the thread ended meanwhile
				}
			}).filter(n -> n.startsWith("mobilegt-")).sorted().toList();
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static long logBytes(Gateway gw) throws IOException {
		try (Stream<Path> files = Files.list(gw.workDir().resolve("log"))) {
			long sum = 0;
			for (Path p : files.toList()) {
				sum += Files.size(p);
			}
			return sum;
		}
	}

	/** The kernel's UDP counters of {@code ns} by name (/proc/net/snmp). */
	static Map<String, Long> udpCounters(String ns) {
		List<String> udp = Netns.exec(ns, "cat", "/proc/net/snmp").check().out().lines().filter(l -> l.startsWith("Udp: ")).toList();
		Map<String, Long> counters = new TreeMap<>();
		String[] names = udp.get(0).split("\\s+");
		String[] values = udp.get(1).split("\\s+");
		for (int i = 1; i < Math.min(names.length, values.length); i++) {
			counters.put(names[i], Long.parseLong(values[i]));
		}
		return counters;
	}
}

package org.mobilegt.gateway.app.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real notifier against a real Unix datagram socket, bound by a python3 child as systemd
 * binds its notification socket: what arrives there is what systemd would read.
 */
class ServiceNotifierTest {

	private static final Duration WAIT = Duration.ofSeconds(10);
	/** A 200 ms watchdog: keep-alives every 100 ms. */
	private static final long WATCHDOG_MICROS = 200_000;

	@TempDir
	Path dir;

	@Test
	void readyOnceServingWatchdogOnlyWhileNothingARestartMendsIsBrokenAndStoppingAtShutdown() throws Exception {
		String socket = dir.resolve("notify").toString();
		try (Receiver systemd = new Receiver(socket)) {
			AtomicReference<Health> health = new AtomicReference<>(health(false, true));
			List<String> warnings = new CopyOnWriteArrayList<>();
			ServiceNotifier notifier = new ServiceNotifier(SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", socket)), health::get,
					WATCHDOG_MICROS, warnings::add);
			assertThat(systemd.next(Duration.ofMillis(600))).as("nothing before the tunnel serves").isNull();

			health.set(health(true, true));
			assertThat(systemd.next(WAIT)).isEqualTo("READY=1|STATUS=Tunnel serving (listening on 0.0.0.0:8000)");
			for (int i = 0; i < 3; i++) {
				assertThat(systemd.next(WAIT)).isEqualTo("WATCHDOG=1");
			}

			// the key is gone: systemd is told, but a restart would not bring it back, so no restart
			health.set(health(true, false, true));
			assertThat(systemd.skipping("WATCHDOG=1")).isEqualTo("STATUS=Tunnel serving, unhealthy: key no key configured");
			assertThat(systemd.next(WAIT)).as("keep-alives without a key").isEqualTo("WATCHDOG=1");

			// forwarding is off, which the unit's ExecStartPre mends: the keep-alives stop
			health.set(health(true, true, false));
			assertThat(systemd.skipping("WATCHDOG=1")).isEqualTo("STATUS=Tunnel serving, unhealthy: forwarding net.ipv4.ip_forward=0");
			assertThat(systemd.next(Duration.ofMillis(800))).as("no keep-alive while broken").isNull();
			assertThat(warnings).anyMatch(w -> w.startsWith("Unhealthy (Tunnel serving, unhealthy: forwarding net.ipv4.ip_forward=0)"));

			health.set(health(true, true));
			assertThat(systemd.next(WAIT)).isEqualTo("STATUS=Tunnel serving (listening on 0.0.0.0:8000)");
			assertThat(systemd.next(WAIT)).isEqualTo("WATCHDOG=1");

			notifier.close(true);
			assertThat(systemd.skipping("WATCHDOG=1")).isEqualTo("STOPPING=1|STATUS=Shutting down");
			assertThat(systemd.next(Duration.ofMillis(300))).as("nothing after the shutdown").isNull();
		}
	}

	@Test
	void abstractSocketNameAndNoWatchdogNorStoppingUnlessAsked() throws Exception {
		String socket = "@mgt-" + ProcessHandle.current().pid() + "-notify-test";
		try (Receiver systemd = new Receiver(socket)) {
			ServiceNotifier notifier = new ServiceNotifier(SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", socket)),
					() -> health(true, true), 0, w -> {
					});
			assertThat(systemd.next(WAIT)).startsWith("READY=1|");
			assertThat(systemd.next(Duration.ofMillis(500))).as("no watchdog asked for").isNull();
			notifier.close(false); // this bundle restarting, not the service stopping
			assertThat(systemd.next(Duration.ofMillis(300))).isNull();
		}
	}

	@Test
	void nothingWithoutNotifySocket() throws IOException {
		assertThat(SdNotify.fromEnvironment(Map.of())).isNull();
		assertThat(SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", ""))).isNull();
	}

	@Test
	void watchdogIntervalAsSdWatchdogEnabledReadsIt() {
		assertThat(ServiceNotifier.watchdogMicros(Map.of("WATCHDOG_USEC", "30000000"), 42)).isEqualTo(30_000_000);
		assertThat(ServiceNotifier.watchdogMicros(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "42"), 42)).isEqualTo(30_000_000);
		assertThat(ServiceNotifier.watchdogMicros(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "43"), 42)).as("another's").isZero();
		assertThat(ServiceNotifier.watchdogMicros(Map.of("WATCHDOG_USEC", "soon"), 42)).isZero();
		assertThat(ServiceNotifier.watchdogMicros(Map.of("WATCHDOG_USEC", "-5"), 42)).isZero();
		assertThat(ServiceNotifier.watchdogMicros(Map.of(), 42)).isZero();
	}

	@Test
	void socketAddresses() {
		assertThat(SdNotify.sockaddr("/run/systemd/notify")).hasSize(2 + "/run/systemd/notify".length() + 1).endsWith(0);
		byte[] abstractName = SdNotify.sockaddr("@x");
		assertThat(abstractName).hasSize(4);
		assertThat(abstractName[2]).isZero();
		assertThat(abstractName[3]).isEqualTo((byte) 'x');
		assertThatThrownBy(() -> SdNotify.sockaddr("relative/notify")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> SdNotify.sockaddr("/" + "x".repeat(107))).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("too long");
	}

	@Test
	void statusIsOneLine() {
		Map<String, Health.Check> checks = new LinkedHashMap<>();
		checks.put("socket", new Health.Check(true, "listening on 0.0.0.0:8000"));
		checks.put("tun", new Health.Check(false, "mgt0 down\nWATCHDOG=1"));
		assertThat(ServiceNotifier.status(new Health(false, checks))).isEqualTo("Tunnel serving, unhealthy: tun mgt0 down WATCHDOG=1");
	}

	private static Health health(boolean serving, boolean key) {
		return health(serving, key, true);
	}

	private static Health health(boolean serving, boolean key, boolean forwarding) {
		Map<String, Health.Check> checks = new LinkedHashMap<>();
		checks.put("tun", new Health.Check(true, "mgt0 up"));
		checks.put("socket", new Health.Check(serving, serving ? "listening on 0.0.0.0:8000" : "not bound"));
		checks.put("key", new Health.Check(key, key ? "shared key" : "no key configured"));
		checks.put("forwarding", new Health.Check(forwarding, "net.ipv4.ip_forward=" + (forwarding ? 1 : 0)));
		return new Health(checks.values().stream().allMatch(Health.Check::ok), checks);
	}

	/** A Unix datagram socket bound by python3; each message one line, its newlines as '|'. */
	private static final class Receiver implements AutoCloseable {

		private static final String SCRIPT = String.join("\n", "import socket, sys", "n = sys.argv[1]",
				"s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)", "s.bind('\\0' + n[1:] if n.startswith('@') else n)",
				"print('bound', flush=True)", "while True:", "    print(s.recv(4096).decode().replace('\\n', '|'), flush=True)");

		private final Process process;
		private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

		Receiver(String name) throws IOException, InterruptedException {
			process = new ProcessBuilder("python3", "-c", SCRIPT, name).redirectErrorStream(true).start();
			Thread reader = new Thread(() -> {
				try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
					for (String line; (line = in.readLine()) != null;) {
						lines.add(line);
					}
				} catch (IOException e) {
					// the receiver was stopped
				}
			});
			reader.setDaemon(true);
			reader.start();
			assertThat(next(WAIT)).as("python3 bound %s", name).isEqualTo("bound");
		}

		String next(Duration timeout) throws InterruptedException {
			return lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}

		/** The next message that is not {@code skipped}. */
		String skipping(String skipped) throws InterruptedException {
			String line;
			while (skipped.equals(line = next(WAIT))) {
				// a keep-alive already on its way
			}
			return line;
		}

		@Override
		public void close() throws InterruptedException {
			process.destroy();
			process.waitFor(5, TimeUnit.SECONDS);
		}
	}
}

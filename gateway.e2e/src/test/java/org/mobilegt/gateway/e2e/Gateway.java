package org.mobilegt.gateway.e2e;

import java.io.File;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * The runnable gateway.jar, run in the gw namespace of a {@link Topology} from its own working
 * directory {@code target/e2e/<test name>/} (conf/, data/, log/ and {@code gateway.out}, the
 * combined stdout/stderr of every start; kept after the run for debugging).
 *
 * <pre>
 * try (Topology t = Topology.create();
 *      Gateway gw = Gateway.in(t, "MyTest/scenario").conf("mobilegt.auth", Map.of("key", "s3cret")).start()) {
 *     gw.awaitLog("Tunnel listening on", Duration.ofSeconds(30));
 *     ...
 * }
 * </pre>
 */
public final class Gateway implements AutoCloseable {

	public static final int DEFAULT_TUNNEL_PORT = 8000;
	public static final String JAVA_PROPERTY = "mobilegt.e2e.java";
	private static final String CONSOLE_PID = "mobilegt.console";
	private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
	private static final Duration GOGO_TIMEOUT = Duration.ofSeconds(20);
	/** The console appender's layout (cnf/conf/org.ops4j.pax.logging.cfg): log lines, not command output. */
	private static final Pattern LOG_LINE = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (TRACE|DEBUG|INFO|WARN|ERROR) .*");
	private static final String PROMPT = "g! ";
	/** A row of Gogo's {@code lb -s}: {@code    21|Active     |    2|org.mobilegt.gateway.session.manager (1.0.0)|1.0.0} */
	private static final Pattern BUNDLE_ROW = Pattern.compile("^\\s*(\\d+)\\|(\\w+)\\s*\\|\\s*\\d+\\|(\\S+) ");

	private final Topology topology;
	private final Path workDir;
	private final List<String> jvmArgs = new ArrayList<>(List.of("-Xmx256m"));
	private boolean interactive;
	/** The whole command line in the gw namespace, instead of java -jar gateway.jar; null: that. */
	private List<String> command;
	private Process process;
	private volatile OutputLog output;
	private Writer stdin;
	private int starts;
	private int commands;

	private Gateway(Topology topology, Path workDir) {
		this.topology = topology;
		this.workDir = workDir;
	}

	/**
	 * A gateway (not started yet) for the gw namespace of {@code topology}, working in a fresh
	 * directory {@code target/e2e/<testName>} ("/" in the name makes subdirectories).
	 */
	public static Gateway in(Topology topology, String testName) {
		Path dir = E2e.workRoot();
		for (String segment : testName.split("/")) {
			dir = dir.resolve(segment.replaceAll("[^A-Za-z0-9._-]", "_"));
		}
		try {
			deleteRecursively(dir);
			Files.createDirectories(dir.resolve("conf"));
		} catch (IOException e) {
			throw new UncheckedIOException("cannot prepare " + dir, e);
		}
		Gateway gateway = new Gateway(topology, dir);
		Cleanup.register(topology.gw(), gateway);
		return gateway;
	}

	/**
	 * Merges {@code values} into {@code conf/<pid>.cfg} (written atomically). Before the start it
	 * is the initial configuration; while running, the gateway applies the change live.
	 */
	public Gateway conf(String pid, Map<String, String> values) {
		Path file = confFile(pid);
		Map<String, String> merged = new LinkedHashMap<>(readCfg(file));
		merged.putAll(values);
		StringBuilder text = new StringBuilder("# written by the e2e test\n");
		merged.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
		try {
			// the gateway watches conf/ and ignores dot files: it never sees a half-written file
			Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
			Files.writeString(tmp, text, StandardCharsets.UTF_8);
			Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		} catch (IOException e) {
			throw new UncheckedIOException("cannot write " + file, e);
		}
		return this;
	}

	/** The active {@code key=value} entries of {@code conf/<pid>.cfg} as the gateway keeps it now. */
	public Map<String, String> conf(String pid) {
		return readCfg(confFile(pid));
	}

	/**
	 * {@link #conf(String)} once it has {@code key=value}, or as it is when {@code timeout} passed: the
	 * gateway writes a change made elsewhere (vpn:set, the console) back to the file after applying it.
	 */
	public Map<String, String> awaitConf(String pid, String key, String value, Duration timeout) throws InterruptedException {
		long end = System.nanoTime() + timeout.toNanos();
		Map<String, String> now = conf(pid);
		while (!value.equals(now.get(key)) && System.nanoTime() < end) {
			Thread.sleep(50);
			now = conf(pid);
		}
		return now;
	}

	/** Runs the Gogo shell on a stdin pipe ({@code -Dmobilegt.console=interactive}), for {@link #gogo}. */
	public Gateway interactive() {
		this.interactive = true;
		return this;
	}

	/** Extra JVM options for the next start (default only -Xmx256m). */
	public Gateway jvmArgs(String... args) {
		jvmArgs.addAll(List.of(args));
		return this;
	}

	/**
	 * Starts {@code argv} in the gw namespace instead of {@code java -jar gateway.jar} (a service's
	 * own command line, under setpriv); {@link #jvmArgs} and {@link #interactive} do not apply.
	 */
	public Gateway command(List<String> argv) {
		this.command = List.copyOf(argv);
		return this;
	}

	/**
	 * Starts {@code java -jar gateway.jar} in the gw namespace (again in the same directory after a
	 * stop or kill, for restart scenarios). The Web Console gets a free port unless the test chose one.
	 */
	public synchronized Gateway start() {
		if (running()) {
			throw new IllegalStateException("the gateway is already running (pid " + process.pid() + ")");
		}
		if (!conf(CONSOLE_PID).containsKey("port")) {
			conf(CONSOLE_PID, Map.of("port", Integer.toString(freeLocalPort())));
		}
		List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", topology.gw()));
		if (command != null) {
			cmd.addAll(command);
		} else {
			cmd.add(javaBinary());
			cmd.addAll(jvmArgs);
			cmd.add("-Dmobilegt.console=" + (interactive ? "interactive" : "headless"));
			cmd.addAll(List.of("-jar", E2e.gatewayJar().toString()));
		}
		Path out = outputFile();
		try {
			starts++;
			Files.writeString(out, "===== start " + starts + ": " + String.join(" ", cmd) + "\n", StandardOpenOption.CREATE,
					StandardOpenOption.APPEND);
			ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true);
			pb.redirectInput(interactive ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.from(new File("/dev/null")));
			process = pb.start();
		} catch (IOException e) {
			throw new UncheckedIOException("cannot start the gateway", e);
		}
		output = new OutputLog("gateway (pid " + process.pid() + ")", process.getInputStream(), out);
		stdin = interactive ? new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8) : null;
		E2e.log("gateway started, pid " + process.pid() + ", in " + workDir);
		return this;
	}

	/**
	 * The java that runs the gateway: {@code -Dmobilegt.e2e.java=PATH} (scripts/test.sh runs the smoke
	 * test once more on another JDK with it), else the one running the tests.
	 */
	public static String javaBinary() {
		return System.getProperty(JAVA_PROPERTY, Path.of(System.getProperty("java.home"), "bin", "java").toString());
	}

	/** The first line of this run's output containing {@code substring}, waiting up to {@code timeout}. */
	public String awaitLog(String substring, Duration timeout) {
		return awaitLog(substring, 0, timeout);
	}

	/**
	 * As {@link #awaitLog(String, Duration)}, but only lines from {@code fromLine} on (a
	 * {@link #logMark()} taken before the action whose effect is awaited).
	 *
	 * @throws AssertionError on timeout, or if the gateway exits first; with the last output lines
	 */
	public String awaitLog(String substring, int fromLine, Duration timeout) {
		OutputLog log = requireStarted();
		return log.line(log.await(l -> l.contains(substring), fromLine, timeout, "log line \"" + substring + '"'));
	}

	/**
	 * Waits until the tunnel serves: its "Tunnel serving" line (UDP socket bound, TUN attached, key
	 * check and session manager there; before it, handshakes or data are dropped), and returns
	 * where clients send: {@link #tunnelEndpoint()}.
	 */
	public InetSocketAddress awaitTunnel(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		awaitLog("Tunnel listening on", timeout);
		awaitLog("Tunnel serving", Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
		return tunnelEndpoint();
	}

	/**
	 * As {@link #awaitTunnel(Duration)}, but for the lines from {@code fromLine} on: the tunnel is
	 * back after an update or restart of tunnel.udp.
	 */
	public InetSocketAddress awaitTunnelAfter(int fromLine, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		awaitLog("Tunnel listening on", fromLine, timeout);
		awaitLog("Tunnel serving", fromLine, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
		return tunnelEndpoint();
	}

	/** Number of output lines of this run so far, for {@link #awaitLog(String, int, Duration)}. */
	public int logMark() {
		return requireStarted().size();
	}

	/** The output lines of the current (or last) run. */
	public List<String> log() {
		return requireStarted().lines();
	}

	/**
	 * Runs {@code command} until its output contains {@code substring}, at most {@code timeout}, and
	 * returns the last output: a status that follows a log line comes from a service registered just
	 * after that line.
	 */
	public String awaitGogo(String command, String substring, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		String out = gogo(command);
		while (!out.contains(substring) && System.nanoTime() < deadline) {
			Sleep.millis(100);
			out = gogo(command);
		}
		return out;
	}

	/** Runs a Gogo command and returns its output (20 s limit); needs {@link #interactive()}. */
	public String gogo(String command) {
		return gogo(command, GOGO_TIMEOUT);
	}

	/**
	 * Runs one Gogo command line and returns just its output: the command is framed by echo
	 * markers, each on its own line so that they print even when the command fails. Prompts and
	 * log lines (they share stdout) are removed from the result.
	 */
	public synchronized String gogo(String command, Duration timeout) {
		if (!interactive || !running()) {
			throw new IllegalStateException("gogo needs a running gateway started with interactive()");
		}
		if (command.contains("\n")) {
			throw new IllegalArgumentException("one command line only: " + command);
		}
		int n = ++commands;
		String begin = "MGT-BEGIN-" + n;
		String end = "MGT-END-" + n;
		int mark = output.size();
		try {
			stdin.write("echo " + begin + "\n" + command + "\necho " + end + "\n");
			stdin.flush();
		} catch (IOException e) {
			throw new UncheckedIOException("cannot write to the gateway's stdin", e);
		}
		long deadline = System.nanoTime() + timeout.toNanos();
		int first = output.await(l -> unprompted(l).equals(begin), mark, timeout, "output of gogo \"" + command + '"');
		int last = output.await(l -> unprompted(l).equals(end), first + 1,
				Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), "end of gogo \"" + command + '"');
		return output.lines().subList(first + 1, last).stream().map(Gateway::unprompted)
				.filter(l -> !LOG_LINE.matcher(l).matches()).reduce((a, b) -> a + "\n" + b).orElse("");
	}

	/**
	 * Runs a Gogo command that prints JSON (a {@code vpn:* --json} command) and parses its output.
	 *
	 * @throws AssertionError if the output is not JSON, with the output
	 */
	public JsonElement gogoJson(String command) {
		String out = gogo(command);
		try {
			return JsonParser.parseString(out);
		} catch (JsonParseException e) {
			throw new AssertionError("gogo \"" + command + "\" did not print JSON: " + e.getMessage() + "\n" + out, e);
		}
	}

	private static String unprompted(String line) {
		while (line.startsWith(PROMPT)) {
			line = line.substring(PROMPT.length());
		}
		return line;
	}

	/** An installed bundle as {@code lb -s} shows it. */
	public record Bundle(long id, String state, String symbolicName) {
	}

	/** The installed bundles by symbolic name, from {@code lb -s} (needs {@link #interactive()}). */
	public Map<String, Bundle> bundles() {
		Map<String, Bundle> bundles = new LinkedHashMap<>();
		for (String line : gogo("lb -s").split("\n")) {
			Matcher m = BUNDLE_ROW.matcher(line);
			if (m.find()) {
				bundles.put(m.group(3), new Bundle(Long.parseLong(m.group(1)), m.group(2), m.group(3)));
			}
		}
		return bundles;
	}

	/** When the bundle was installed or last updated (epoch ms), from Gogo: a hot update changes it. */
	public long lastModified(long bundleId) {
		String out = gogo("(bundle " + bundleId + ") lastModified").strip();
		try {
			return Long.parseLong(out);
		} catch (NumberFormatException e) {
			throw new AssertionError("lastModified of bundle " + bundleId + ": " + out, e);
		}
	}

	/**
	 * The bundle {@code <module>-*.jar} embedded in gateway.jar (e.g. module tunnel.udp), extracted
	 * into {@code bundles/} of the working directory: the very bundle that runs, for a hot update
	 * that must change nothing but prove the swap.
	 */
	public Path embeddedBundle(String module) {
		Path dir = workDir.resolve("bundles");
		try (ZipFile jar = new ZipFile(E2e.gatewayJar().toFile())) {
			ZipEntry entry = jar.stream().filter(e -> e.getName().matches("jar/" + Pattern.quote(module) + "-\\d.*\\.jar"))
					.findFirst().orElseThrow(() -> new IllegalStateException("no jar/" + module + "-*.jar in " + E2e.gatewayJar()));
			Path file = dir.resolve(entry.getName().substring("jar/".length()));
			Files.createDirectories(dir);
			try (var in = jar.getInputStream(entry)) {
				Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
			}
			return file;
		} catch (IOException e) {
			throw new UncheckedIOException("cannot extract " + module + " from " + E2e.gatewayJar(), e);
		}
	}

	/** Multipart POST (a browser's file upload) to the Web Console, from inside the gw namespace. */
	public Http.Response upload(String path, String user, String password, Map<String, String> fields, String fileField,
			Path file) {
		try {
			return Http.postMultipart(topology.gw(), "http://127.0.0.1:" + consolePort() + path, user, password,
					Duration.ofSeconds(30), fields, fileField, file);
		} catch (IOException e) {
			throw new UncheckedIOException("cannot upload " + file, e);
		}
	}

	/** HTTP GET on the Web Console's port, from inside the gw namespace. */
	public Http.Response http(String path, String user, String password) {
		return Http.get(topology.gw(), "http://127.0.0.1:" + consolePort() + path, user, password, Duration.ofSeconds(15));
	}

	/** Any request on the Web Console's port from inside the gw namespace; {@code form} null for no body. */
	public Http.Response http(String method, String path, String user, String password, Map<String, String> headers,
			String form) {
		return Http.request(topology.gw(), method, "http://127.0.0.1:" + consolePort() + path, user, password, headers, form,
				Duration.ofSeconds(15));
	}

	/**
	 * Waits until the Web Console's HTTP server accepts connections (it starts after the
	 * configuration is applied). A bounded retry: connection refused is the only state until then.
	 */
	public void awaitConsole(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			try {
				http("/system/console", null, null);
				return;
			} catch (UncheckedIOException e) {
				if (System.nanoTime() > deadline || !running()) {
					throw new AssertionError("the Web Console on 127.0.0.1:" + consolePort() + " did not answer within " + timeout
							+ ": " + e.getCause() + "; last lines:\n" + output.tail());
				}
			}
			Sleep.millis(200);
		}
	}

	public int consolePort() {
		return Integer.parseInt(conf(CONSOLE_PID).get("port"));
	}

	/** Where clients send: the gw's phone-side address and the configured tunnel port. */
	public InetSocketAddress tunnelEndpoint() {
		String port = conf("mobilegt.tunnel").get("port");
		return new InetSocketAddress(topology.gwAddress(), port == null ? DEFAULT_TUNNEL_PORT : Integer.parseInt(port));
	}

	public Path workDir() {
		return workDir;
	}

	/** Combined stdout/stderr of every start, each introduced by a "===== start N" line. */
	public Path outputFile() {
		return workDir.resolve("gateway.out");
	}

	public synchronized boolean running() {
		return process != null && process.isAlive();
	}

	public synchronized long pid() {
		if (process == null) {
			throw new IllegalStateException("the gateway was never started");
		}
		return process.pid();
	}

	/**
	 * Stops the gateway like an operator: SIGTERM to the JVM's PID, then waits (30 s) for it to end;
	 * only if it does not, SIGKILL. Returns the exit code (143 after a clean SIGTERM).
	 *
	 * @throws AssertionError if SIGKILL was needed (the test should know the stop was not clean)
	 */
	public synchronized int stop() {
		if (process == null) {
			return -1;
		}
		List<ProcessHandle> children = process.descendants().toList();
		// through the handle: Process.destroy() would also close our end of its stdout, losing the
		// shutdown messages
		process.toHandle().destroy();
		boolean clean = waitFor(STOP_TIMEOUT);
		if (!clean) {
			Background.terminate(process.toHandle(), Duration.ZERO);
		}
		// whatever it started and left behind (a capture process, say) goes too, by PID
		children.stream().filter(ProcessHandle::isAlive).forEach(c -> Background.terminate(c, Duration.ZERO));
		finishRun();
		if (!clean) {
			throw new AssertionError("the gateway did not stop within " + STOP_TIMEOUT + " of SIGTERM and was killed; "
					+ "last lines:\n" + output.tail());
		}
		E2e.log("gateway stopped, exit code " + process.exitValue());
		return process.exitValue();
	}

	/** SIGKILL, as in a crash: nothing is cleaned up by the gateway (crash/restart scenarios). */
	public synchronized void kill9() {
		if (process != null) {
			process.toHandle().destroyForcibly();
			waitFor(Duration.ofSeconds(10));
			finishRun();
			E2e.log("gateway killed with SIGKILL");
		}
	}

	/** Stops the gateway if it runs. The working directory stays. */
	@Override
	public synchronized void close() {
		try {
			if (running()) {
				stop();
			}
		} finally {
			Cleanup.unregister(topology.gw(), this);
		}
	}

	@Override
	public String toString() {
		return "gateway in " + workDir + (process == null ? "" : " (pid " + process.pid() + ")");
	}

	private boolean waitFor(Duration timeout) {
		try {
			return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	private void finishRun() {
		if (stdin != null) {
			try {
				stdin.close();
			} catch (IOException e) {
				// the process is gone: its pipe may be broken
			}
			stdin = null;
		}
		output.awaitEnd(Duration.ofSeconds(5));
	}

	private OutputLog requireStarted() {
		OutputLog log = output;
		if (log == null) {
			throw new IllegalStateException("the gateway was never started");
		}
		return log;
	}

	private Path confFile(String pid) {
		return workDir.resolve("conf").resolve(pid + ".cfg");
	}

	private static Map<String, String> readCfg(Path file) {
		Map<String, String> values = new LinkedHashMap<>();
		if (Files.isRegularFile(file)) {
			try {
				for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
					String l = line.strip();
					int eq = l.indexOf('=');
					if (!l.startsWith("#") && eq > 0) {
						values.put(l.substring(0, eq).strip(), l.substring(eq + 1).strip());
					}
				}
			} catch (IOException e) {
				throw new UncheckedIOException("cannot read " + file, e);
			}
		}
		return values;
	}

	private int freeLocalPort() {
		return Netns.inside(topology.gw(), () -> {
			try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
				return s.getLocalPort();
			}
		});
	}

	private static void deleteRecursively(Path dir) throws IOException {
		if (Files.exists(dir)) {
			try (Stream<Path> paths = Files.walk(dir)) {
				for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
					Files.delete(p);
				}
			}
		}
	}
}

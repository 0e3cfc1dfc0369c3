package org.mobilegt.gateway.capture.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.mobilegt.gateway.capture.api.Capture;
import org.mobilegt.gateway.capture.api.CaptureControl;
import org.mobilegt.gateway.capture.api.CaptureException;
import org.mobilegt.gateway.capture.impl.CaptureSettings.Method;
import org.mobilegt.gateway.capture.impl.CaptureSettings.Mode;
import org.mobilegt.gateway.common.ConfigRejection;
import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.common.RateGate;
import org.mobilegt.gateway.session.api.Session;
import org.mobilegt.gateway.session.api.SessionManager;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.mobilegt.gateway.tunnel.api.PacketTap;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Per-session packet capture. In mode {@code all} every session is captured from its OPENED
 * event on; in modes {@code all} and {@code demand} the operator starts and stops captures
 * ({@code vpn:capture start|stop <client>}). A capture ends with its session (CLOSED, EXPIRED),
 * on stop, after {@code maxSeconds}, and when this component stops (bundle stop or update,
 * framework shutdown): nothing it started outlives it.
 * <p>
 * Method {@code script} runs the capture script as a supervised child process (see
 * {@link ScriptCapture}, {@link ProcessTree}); method {@code builtin} selects the session's
 * tunnel address on a {@link PcapTap} registered only while it captures something. Neither can
 * affect the tunnel: a failing script or a full disk ends that capture, says why in the log and
 * in {@link #status()}, and the data path never waits for a capture.
 * <p>
 * Session events and timers are handled on one supervisor thread, so that the EventAdmin thread
 * never waits for a process.
 */
@Component(configurationPid = CaptureConfig.PID, immediate = true, service = { CaptureControl.class, EventHandler.class },
		property = EventConstants.EVENT_TOPIC + "=org/mobilegt/gateway/session/*")
@Designate(ocd = CaptureConfig.class)
public final class CaptureService implements CaptureControl, EventHandler {

	/** How long an operator's start waits to see a script fail at once, to report it right away. */
	static final long EARLY_EXIT_MILLIS = 500;

	private final BundleContext context;
	private final Logger log;
	private final ScheduledThreadPoolExecutor supervisor;
	private final RateGate errorGate = new RateGate(10, 60_000);
	/** Running captures by session id, oldest first (maxTotalBytes stops the newest); guarded by this. */
	private final Map<Long, RunningCapture> running = new LinkedHashMap<>();
	private final DiskBudget budget = new DiskBudget(); // supervisor thread only
	/** The bytes of the files in the output directory when last measured, -1 before. */
	private volatile long diskUsed = -1;
	private volatile CaptureSettings settings;
	private volatile Map<String, Object> properties;
	private volatile String configError;
	private volatile String lastError;
	private volatile Path defaultScript;
	private volatile String defaultScriptError;
	private boolean closed; // guarded by this
	private PcapTap tap; // guarded by this

	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	private volatile EventAdmin events;
	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	private volatile ConfigurationAdmin configurationAdmin;
	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
	private volatile TunDevice tun;
	private volatile SessionManager sessions;

	@Activate
	public CaptureService(BundleContext context, CaptureConfig config, Map<String, Object> properties,
			@Reference(service = LoggerFactory.class) Logger log) {
		this.context = context;
		this.log = log;
		this.properties = properties;
		supervisor = new ScheduledThreadPoolExecutor(1, r -> {
			Thread t = new Thread(r, "mobilegt-capture-supervisor");
			t.setDaemon(true);
			return t;
		});
		// on stop, pending maxSeconds timers must not keep the supervisor alive
		supervisor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
		installDefaultScript();
		try {
			settings = CaptureSettings.of(config);
			announce(settings);
		} catch (ConfigValueException e) {
			configError = e.getMessage();
			log.error("Capture disabled until its configuration is fixed: {}", e.getMessage());
		}
		supervisor.scheduleWithFixedDelay(this::watch, 1, 1, TimeUnit.SECONDS);
	}

	@Modified
	void modified(CaptureConfig config, Map<String, Object> newProperties) {
		CaptureSettings previous = settings;
		CaptureSettings next;
		try {
			next = CaptureSettings.of(config);
			String problem = next.script() == null ? null : CaptureSettings.problem(next.script());
			if (problem != null && next.method() == Method.SCRIPT) {
				throw new ConfigValueException(CaptureConfig.PID, "script", next.script(), problem);
			}
			String dirProblem = previous != null && next.dir().equals(previous.dir()) ? null
					: CaptureSettings.directoryProblem(next.dir());
			if (dirProblem != null) {
				throw new ConfigValueException(CaptureConfig.PID, "dir", next.dir(), dirProblem);
			}
		} catch (ConfigValueException e) {
			if (previous == null) {
				configError = e.getMessage();
			}
			// without a previous configuration there is nothing to restore
			ConfigRejection.rejected(log, events, previous == null ? null : configurationAdmin, CaptureConfig.PID,
					CaptureConfig.class, previous == null ? Map.of() : properties, e);
			return;
		}
		settings = next;
		Map<String, Object> previousProperties = properties;
		properties = newProperties;
		configError = null;
		ConfigRejection.applied(events, CaptureConfig.PID, previousProperties, newProperties);
		announce(next);
		if (next.mode() == Mode.OFF) {
			supervise(() -> endAll("capture mode off"));
		} else if (next.mode() == Mode.ALL) {
			supervise(this::captureAll);
		}
	}

	@Deactivate
	void deactivate() {
		synchronized (this) {
			closed = true;
		}
		// queued stops still stop gracefully; starts are refused now
		supervisor.shutdown();
		CaptureSettings s = settings;
		try {
			if (!supervisor.awaitTermination((s == null ? 5 : s.stopTimeoutSeconds()) + 6L, TimeUnit.SECONDS)) {
				supervisor.shutdownNow();
			}
		} catch (InterruptedException e) {
			supervisor.shutdownNow();
			Thread.currentThread().interrupt();
		}
		endAll("capture.hook stopping");
		PcapTap t;
		synchronized (this) {
			t = tap;
			tap = null;
		}
		if (t != null) {
			t.shutdown();
		}
	}

	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
	void bindSessions(SessionManager manager) {
		sessions = manager;
		CaptureSettings s = settings;
		if (s != null && s.mode() == Mode.ALL) {
			supervise(this::captureAll); // sessions that were there before us (after an update, say)
		}
	}

	void unbindSessions(SessionManager manager) {
		if (sessions == manager) {
			sessions = null;
		}
	}

	// ---- session events

	@Override
	public void handleEvent(Event event) {
		if (!(event.getProperty(SessionManager.PROP_SESSION_ID) instanceof Long id)) {
			return;
		}
		switch (event.getTopic()) {
		case SessionManager.TOPIC_OPENED -> {
			CaptureSettings s = settings;
			if (s != null && s.mode() == Mode.ALL) {
				Optional<Target> target = targetOf(event, id);
				target.ifPresent(t -> supervise(() -> startQuietly(t)));
			}
		}
		case SessionManager.TOPIC_CLOSED, SessionManager.TOPIC_EXPIRED -> supervise(() -> endSession(id,
				"session " + event.getTopic().substring(event.getTopic().lastIndexOf('/') + 1).toLowerCase(Locale.ROOT)));
		default -> {
			// other session topics are not ours
		}
		}
	}

	/** The session of an OPENED event, from the event itself: a client id cannot pose as a session id. */
	private static Optional<Target> targetOf(Event event, long id) {
		Object address = event.getProperty(SessionManager.PROP_TUNNEL_ADDRESS);
		Object endpoint = event.getProperty(SessionManager.PROP_ENDPOINT);
		Object client = event.getProperty(SessionManager.PROP_CLIENT_ID);
		int a = address instanceof String s ? parseAddress(s) : 0;
		if (a == 0) {
			return Optional.empty();
		}
		return Optional.of(new Target(id, client instanceof String c ? c : null, a, String.valueOf(endpoint)));
	}

	private static int parseAddress(String dotted) {
		String[] parts = dotted.split("\\.");
		if (parts.length != 4) {
			return 0;
		}
		int a = 0;
		for (String p : parts) {
			if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > 255) {
				return 0;
			}
			a = a << 8 | Integer.parseInt(p);
		}
		return a;
	}

	// ---- CaptureControl

	@Override
	public Capture start(String client) throws CaptureException {
		CaptureSettings s = settings;
		if (s == null) {
			throw new CaptureException("the capture configuration is invalid: " + configError);
		}
		if (s.mode() == Mode.OFF) {
			throw new CaptureException("capture is off: set mode=demand (or all) in " + CaptureConfig.PID + " first");
		}
		SessionManager sm = sessions;
		if (sm == null) {
			throw new CaptureException("session.manager is not available");
		}
		Session session = sm.find(client).orElseThrow(() -> new CaptureException("no connected client " + Target.printable(client)));
		RunningCapture c = start(Target.of(session), s);
		if (c instanceof ScriptCapture sc) {
			try {
				sc.onExit().get(EARLY_EXIT_MILLIS, TimeUnit.MILLISECONDS);
				if (!sc.isStopping()) { // else it started and was stopped meanwhile (maxTotalBytes, say): the log says why
					throw new CaptureException(exitMessage(sc));
				}
			} catch (TimeoutException e) {
				// still running, as it should
			} catch (ExecutionException e) {
				throw new CaptureException("capture script failed: " + e.getCause());
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}
		return c.info();
	}

	@Override
	public boolean stop(String client) {
		RunningCapture c = find(client);
		if (c == null) {
			return false;
		}
		synchronized (this) {
			if (!running.remove(c.target().sessionId(), c)) {
				return false; // ended meanwhile
			}
		}
		end(List.of(c), "stopped by the operator");
		return true;
	}

	@Override
	public synchronized List<Capture> captures() {
		return running.values().stream().map(RunningCapture::info).sorted((a, b) -> Long.compare(a.sessionId(), b.sessionId())).toList();
	}

	@Override
	public String status() {
		CaptureSettings s = settings;
		StringBuilder sb = new StringBuilder();
		if (s == null) {
			sb.append("mode off (configuration invalid: ").append(configError).append(')');
		} else {
			sb.append("mode ").append(name(s.mode()));
			sb.append(", method ").append(name(s.method()));
			if (s.method() == Method.SCRIPT) {
				sb.append(" (").append(scriptDescription(s)).append(')');
			}
			int n;
			synchronized (this) {
				n = running.size();
			}
			sb.append(", dir ").append(s.dir()).append(", ").append(n).append(" running (max ").append(s.maxConcurrent()).append(')');
			sb.append(", maxSeconds ").append(s.maxSeconds() > 0 ? Integer.toString(s.maxSeconds()) : "unlimited");
			long used = diskUsed;
			sb.append(", maxTotalBytes ").append(s.maxTotalBytes() > 0 ? Long.toString(s.maxTotalBytes()) : "unlimited");
			if (used >= 0) {
				sb.append(" (").append(used).append(" used)");
			}
		}
		String e = lastError;
		if (e != null) {
			sb.append("; last error: ").append(e);
		}
		return sb.toString();
	}

	// ---- starting

	/** A start from a session event or from mode all: failures are logged, not thrown. */
	private void startQuietly(Target t) {
		SessionManager sm = sessions;
		Session live = sm == null ? null : sm.byTunnelAddress(t.address());
		CaptureSettings s = settings;
		if (live == null || live.id() != t.sessionId() || s == null || s.mode() != Mode.ALL) {
			return; // ended (or mode changed) before its turn came
		}
		try {
			start(t, s);
		} catch (CaptureException e) {
			// already logged and in the status
		}
	}

	private void captureAll() {
		SessionManager sm = sessions;
		if (sm == null) {
			return;
		}
		for (Session session : sm.sessions()) {
			boolean captured;
			synchronized (this) {
				captured = running.containsKey(session.id());
			}
			if (!captured) {
				startQuietly(Target.of(session));
			}
		}
	}

	private RunningCapture start(Target t, CaptureSettings s) throws CaptureException {
		try {
			checkBudget(t, s);
			RunningCapture c;
			synchronized (this) {
				if (closed) {
					throw new CaptureException("capture.hook is stopping");
				}
				RunningCapture existing = running.get(t.sessionId());
				if (existing != null) {
					throw new CaptureException(t.describe() + " is already being captured (" + existing.info().method() + ", since "
							+ existing.info().since() + ")");
				}
				if (running.size() >= s.maxConcurrent()) {
					throw new CaptureException("cannot capture " + t.describe() + ": " + running.size()
							+ " captures are running (maxConcurrent=" + s.maxConcurrent() + ")");
				}
				Path dir = outputDirectory(s);
				c = s.method() == Method.BUILTIN ? startBuiltin(t, s, dir) : startScript(t, s, dir);
				running.put(t.sessionId(), c);
			}
			if (s.maxSeconds() > 0) {
				supervisor.schedule(() -> endIfRunning(c, "maxSeconds=" + s.maxSeconds() + " reached"), s.maxSeconds(), TimeUnit.SECONDS);
			}
			log.info("Capture of {} started: {}{} into {}", t.describe(), c.info().method(),
					c.info().pid() < 0 ? "" : " (pid " + c.info().pid() + ")", c.info().output());
			return c;
		} catch (CaptureException e) {
			error(e.getMessage());
			throw e;
		}
	}

	private static Path outputDirectory(CaptureSettings s) throws CaptureException {
		try {
			return CaptureSettings.createDirectory(s.dir());
		} catch (IOException e) {
			throw new CaptureException("cannot create the output directory " + s.dir() + ": " + e);
		}
	}

	private ScriptCapture startScript(Target t, CaptureSettings s, Path dir) throws CaptureException {
		Path script = s.script() != null ? s.script() : defaultScript;
		if (script == null) {
			throw new CaptureException("the bundled capture script could not be installed: " + defaultScriptError);
		}
		String problem = CaptureSettings.problem(script);
		if (problem != null) {
			throw new CaptureException("capture script " + script + " " + problem);
		}
		TunDevice device = tun;
		if (device == null && s.args().uses(ArgsTemplate.TUN)) {
			throw new CaptureException("no TUN device to capture on (tun.driver has none open)");
		}
		Map<String, String> values = new HashMap<>();
		values.put(ArgsTemplate.TUN, device == null ? "" : device.name());
		values.put(ArgsTemplate.CLIENT, FileNames.safe(t.clientId()));
		values.put(ArgsTemplate.ADDRESS, t.dottedAddress());
		values.put(ArgsTemplate.ENDPOINT, t.endpoint());
		values.put(ArgsTemplate.SESSION, Long.toString(t.sessionId()));
		values.put(ArgsTemplate.DIR, dir.toString());
		values.put(ArgsTemplate.TIME, FileNames.time(Instant.now()));
		values.put(ArgsTemplate.MAX_BYTES, Long.toString(s.maxBytes()));
		values.put(ArgsTemplate.FILES, Integer.toString(s.files()));
		long session = t.sessionId();
		ScriptCapture sc;
		try {
			sc = ScriptCapture.start(t, script, s.args().expand(values), dir,
					line -> log.info("Capture script [session {}]: {}", session, line));
		} catch (IOException e) {
			throw new CaptureException("capture script " + script + " could not be started: " + e.getMessage());
		}
		sc.onExit().thenRun(() -> supervise(() -> scriptEnded(sc)));
		return sc;
	}

	private BuiltinCapture startBuiltin(Target t, CaptureSettings s, Path dir) throws CaptureException {
		String prefix = FileNames.time(Instant.now()) + "_s" + t.sessionId() + "_" + FileNames.safe(t.clientId());
		PcapFile file;
		try {
			file = PcapFile.create(dir, prefix, s.maxBytes(), s.files());
		} catch (IOException e) {
			throw new CaptureException("cannot create a capture file in " + dir + ": " + e);
		}
		BuiltinCapture c = new BuiltinCapture(t, file);
		tap().add(c);
		return c;
	}

	/** The tap, created with the first built-in capture; the caller holds this. */
	private PcapTap tap() {
		if (tap == null) {
			TunDevice device = tun;
			TapService service = new TapService(context);
			tap = new PcapTap(device == null ? PcapTap.MIN_SLOT_BYTES : device.mtu(), service, this::writeFailed, log::info);
			service.tap = tap;
		}
		return tap;
	}

	/** A tap's service registration: there while the tap selects something, else not at all. */
	private static final class TapService implements Consumer<String[]> {

		private final BundleContext context;
		private PacketTap tap;
		private ServiceRegistration<PacketTap> registration;

		TapService(BundleContext context) {
			this.context = context;
		}

		@Override
		public synchronized void accept(String[] addresses) {
			if (addresses.length == 0) {
				if (registration != null) {
					registration.unregister();
					registration = null;
				}
				return;
			}
			Hashtable<String, Object> props = new Hashtable<>();
			props.put(PacketTap.ADDRESSES, addresses);
			if (registration == null) {
				registration = context.registerService(PacketTap.class, tap, props);
			} else {
				registration.setProperties(props);
			}
		}
	}

	// ---- ending

	private void writeFailed(BuiltinCapture c) {
		error("built-in capture of " + c.target().describe() + " stopped: " + c.error);
		supervise(() -> endIfRunning(c, "write error"));
	}

	private void scriptEnded(ScriptCapture sc) {
		synchronized (this) {
			running.remove(sc.target().sessionId(), sc);
		}
		if (sc.isStopping()) {
			return; // a stop: end() reports it
		}
		CaptureSettings s = settings;
		Set<ProcessHandle> left = new HashSet<>(sc.processes());
		left.removeIf(p -> !p.isAlive());
		if (!left.isEmpty()) {
			List<ProcessHandle> killed = ProcessTree.terminate(left, Duration.ofSeconds(s == null ? 5 : s.stopTimeoutSeconds()),
					sc::marked);
			log.warn("Capture script of {} left {} process(es) running: ended them{}", sc.target().describe(), left.size(),
					killed.isEmpty() ? "" : " (" + killed.size() + " with SIGKILL)");
		}
		if (sc.exitCode() == 0) {
			log.info("Capture script of {} ended by itself (exit code 0)", sc.target().describe());
		} else {
			error(exitMessage(sc));
		}
	}

	private static String exitMessage(ScriptCapture sc) {
		String tail = sc.outputTail();
		return "capture script of " + sc.target().describe() + " exited with code " + sc.exitCode()
				+ (tail.isEmpty() ? "" : ": " + tail);
	}

	private void endSession(long sessionId, String reason) {
		RunningCapture c;
		synchronized (this) {
			c = running.remove(sessionId);
		}
		if (c != null) {
			end(List.of(c), reason);
		}
	}

	private void endIfRunning(RunningCapture c, String reason) {
		synchronized (this) {
			if (!running.remove(c.target().sessionId(), c)) {
				return;
			}
		}
		end(List.of(c), reason);
	}

	private void endAll(String reason) {
		List<RunningCapture> all;
		synchronized (this) {
			all = new ArrayList<>(running.values());
			running.clear();
		}
		end(all, reason);
	}

	/**
	 * Ends captures already removed from {@link #running}: scripts together (SIGTERM to every
	 * process of every tree, SIGKILL after the stop timeout), then the built-in ones.
	 */
	private void end(Collection<RunningCapture> captures, String reason) {
		if (captures.isEmpty()) {
			return;
		}
		CaptureSettings s = settings;
		Duration grace = Duration.ofSeconds(s == null ? 5 : s.stopTimeoutSeconds());
		// each script's processes as found before the signals, to say whose ignored SIGTERM
		Map<ScriptCapture, Set<ProcessHandle>> scripts = new LinkedHashMap<>();
		Set<ProcessHandle> processes = new HashSet<>();
		for (RunningCapture c : captures) {
			if (c instanceof ScriptCapture sc) {
				sc.stopping();
				scripts.put(sc, sc.processes());
				processes.addAll(scripts.get(sc));
			}
		}
		List<ProcessHandle> killed = processes.isEmpty() ? List.of() : ProcessTree.terminate(processes, grace, () -> {
			Set<ProcessHandle> marked = new HashSet<>();
			scripts.keySet().forEach(sc -> marked.addAll(sc.marked()));
			return marked;
		});
		for (ScriptCapture sc : scripts.keySet()) {
			String exit = sc.alive() ? "still running" : "exit code " + sc.exitCode();
			Set<ProcessHandle> its = scripts.get(sc);
			List<Long> hard = killed.stream().filter(its::contains).map(ProcessHandle::pid).toList();
			if (hard.isEmpty()) {
				log.info("Capture of {} stopped ({}): {}", sc.target().describe(), reason, exit);
			} else {
				log.warn("Capture of {} stopped ({}): {}; pids {} ignored SIGTERM for {} s and were killed", sc.target().describe(),
						reason, exit, hard, grace.toSeconds());
			}
		}
		for (RunningCapture c : captures) {
			if (c instanceof BuiltinCapture bc) {
				endBuiltin(bc, reason);
			}
		}
	}

	private void endBuiltin(BuiltinCapture c, String reason) {
		PcapTap t;
		synchronized (this) {
			t = tap;
		}
		if (t != null) {
			t.remove(c);
			log.info("Capture of {} stopped ({})", c.target().describe(), reason);
		}
		synchronized (this) {
			if (tap == t && t != null && running.values().stream().noneMatch(BuiltinCapture.class::isInstance)) {
				tap = null; // nothing left to write: the writer thread and its buffers go
			} else {
				t = null;
			}
		}
		if (t != null) {
			t.shutdown();
		}
	}

	// ---- helpers

	/** The running capture of a client id, tunnel address or session id (in that order, as sessions are found). */
	private RunningCapture find(String who) {
		String q = who.strip();
		synchronized (this) {
			for (RunningCapture c : running.values()) {
				if (q.equals(c.target().clientId())) {
					return c;
				}
			}
			for (RunningCapture c : running.values()) {
				if (q.equals(c.target().dottedAddress()) || q.equals(Long.toString(c.target().sessionId()))) {
					return c;
				}
			}
		}
		return null;
	}

	/** Remembers the descendants of running scripts, so that none escapes a stop; keeps the disk budget. */
	private void watch() {
		List<ScriptCapture> scripts = new ArrayList<>();
		synchronized (this) {
			running.values().forEach(c -> {
				if (c instanceof ScriptCapture sc) {
					scripts.add(sc);
				}
			});
			if (running.isEmpty()) {
				return; // nothing writes: a start measures for itself
			}
		}
		scripts.forEach(ScriptCapture::refresh);
		keepBudget();
	}

	// ---- disk budget (maxTotalBytes)

	/** Refuses a start while the output directory holds maxTotalBytes or more. */
	private void checkBudget(Target t, CaptureSettings s) throws CaptureException {
		long used = measure(s);
		if (s.maxTotalBytes() > 0 && used >= s.maxTotalBytes()) {
			throw new CaptureException("cannot capture " + t.describe() + ": the capture files in " + s.dir() + " hold " + used
					+ " bytes, maxTotalBytes=" + s.maxTotalBytes() + " (remove old captures or raise maxTotalBytes)");
		}
	}

	private void keepBudget() {
		CaptureSettings s = settings;
		if (s == null) {
			return;
		}
		long used = measure(s);
		String reason = "maxTotalBytes=" + s.maxTotalBytes() + " exceeded";
		switch (budget.check(used, s.maxTotalBytes())) {
		case EXCEEDED -> {
			error("capture files in " + s.dir() + " hold " + used + " bytes, over maxTotalBytes=" + s.maxTotalBytes()
					+ ": stopping the newest capture; new ones are refused until files are removed");
			stopNewest(reason);
		}
		case STILL_GROWING -> stopNewest(reason + ", files still growing");
		case BACK_WITHIN -> log.info("Capture files in {} are back within maxTotalBytes={} ({} bytes)", s.dir(), s.maxTotalBytes(), used);
		case NONE -> {
			// nothing new
		}
		}
	}

	private void stopNewest(String reason) {
		RunningCapture newest = null;
		synchronized (this) {
			for (RunningCapture c : running.values()) {
				newest = c;
			}
			if (newest != null) {
				running.remove(newest.target().sessionId());
			}
		}
		if (newest != null) {
			end(List.of(newest), reason);
		}
	}

	/** The bytes in the output directory (also kept for the status); the last measure when it cannot be read. */
	private long measure(CaptureSettings s) {
		long used;
		try {
			used = DiskBudget.used(s.dir());
		} catch (IOException e) {
			used = Math.max(diskUsed, 0); // the start then fails on the directory itself, with its own message
		}
		diskUsed = used;
		return used;
	}

	private void supervise(Runnable task) {
		try {
			supervisor.execute(() -> {
				try {
					task.run();
				} catch (RuntimeException e) {
					log.error("Capture supervision failed: {}", e.toString());
				}
			});
		} catch (RejectedExecutionException e) {
			// stopping: deactivate ends whatever runs
		}
	}

	private void error(String message) {
		lastError = message;
		long held = errorGate.admit(System.currentTimeMillis());
		if (held >= 0) {
			log.error("{}{}", message, held > 0 ? " (" + held + " similar messages not logged)" : "");
		}
	}

	private void installDefaultScript() {
		try {
			java.io.File file = context.getDataFile(DefaultScript.NAME);
			if (file == null) {
				throw new IOException("the framework gives this bundle no data area");
			}
			defaultScript = DefaultScript.install(file.toPath());
		} catch (IOException | RuntimeException e) {
			defaultScriptError = e.toString();
			log.error("Could not install the default capture script: {}", e.toString());
		}
	}

	private String scriptDescription(CaptureSettings s) {
		if (s.script() != null) {
			String problem = CaptureSettings.problem(s.script());
			return s.script() + (problem == null ? "" : " " + problem.toUpperCase(Locale.ROOT));
		}
		if (defaultScript == null) {
			return "default script NOT INSTALLED: " + defaultScriptError;
		}
		return "default script " + defaultScript + DefaultScript.tool().map(t -> " using " + t)
				.orElse(", NEITHER dumpcap NOR tcpdump INSTALLED");
	}

	private void announce(CaptureSettings s) {
		log.info("Capture: {}", status());
		if (s.method() == Method.SCRIPT && s.script() == null && s.mode() != Mode.OFF && DefaultScript.tool().isEmpty()) {
			log.warn("The default capture script needs dumpcap (wireshark-common) or tcpdump and neither is installed; "
					+ "method=builtin needs no tool");
		}
	}

	private static String name(Enum<?> e) {
		return e.name().toLowerCase(Locale.ROOT);
	}
}

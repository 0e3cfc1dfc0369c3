package org.mobilegt.gateway.capture.impl;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.mobilegt.gateway.capture.api.Capture;
import org.mobilegt.gateway.capture.api.CaptureControl;
import org.mobilegt.gateway.capture.api.CaptureException;
import org.mobilegt.gateway.capture.impl.CaptureSettings.Method;
import org.mobilegt.gateway.capture.impl.CaptureSettings.Mode;
import org.mobilegt.gateway.common.ClientIds;
import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.common.Daemons;
import org.mobilegt.gateway.common.LiveConfig;
import org.mobilegt.gateway.common.RateGate;
import org.mobilegt.gateway.session.api.Session;
import org.mobilegt.gateway.session.api.SessionManager;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.osgi.framework.BundleContext;
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
 * Method {@code script} runs the capture script as a supervised child process
 * ({@link ScriptCaptures}); method {@code builtin} selects the session's tunnel address on a
 * {@link PcapTap} registered only while it captures something ({@link BuiltinCaptures}). Neither can
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

	private final Logger log;
	private final ScheduledThreadPoolExecutor supervisor;
	private final RateGate errorGate = new RateGate(10, 60_000);
	private final RunningCaptures running = new RunningCaptures();
	private final DiskBudget budget = new DiskBudget();
	private volatile CaptureSettings settings;
	private final LiveConfig<CaptureConfig, CaptureSettings> live;
	private volatile String configError;
	private volatile String lastError;
	private final ScriptCaptures scripts;
	private final BuiltinCaptures builtins;

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
		this.log = log;
		this.live = new LiveConfig<>(CaptureConfig.PID, CaptureConfig.class, this::checked, log, () -> events,
				() -> configurationAdmin);
		supervisor = new ScheduledThreadPoolExecutor(1, Daemons.named("mobilegt-capture-supervisor"));
		// on stop, pending maxSeconds timers must not keep the supervisor alive
		supervisor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
		scripts = new ScriptCaptures(context, log, this::error);
		builtins = new BuiltinCaptures(context, log, this::writeFailed);
		try {
			settings = live.start(config, properties);
			announce(settings);
		} catch (ConfigValueException e) {
			configError = e.getMessage();
			log.error("Capture disabled until its configuration is fixed: {}", e.getMessage());
		}
		supervise(() -> scripts.endOrphans(grace()));
		supervisor.scheduleWithFixedDelay(this::watch, 1, 1, TimeUnit.SECONDS);
	}

	@Modified
	void modified(CaptureConfig config, Map<String, Object> newProperties) {
		live.update(config, newProperties, next -> {
			settings = next;
			configError = null;
			announce(next);
			if (next.mode() == Mode.OFF) {
				supervise(() -> endAll("capture mode off"));
			} else if (next.mode() == Mode.ALL) {
				supervise(this::captureAll);
			}
		});
	}

	/** The settings of {@code config}; while capture has none, the reason it stays disabled is kept. */
	private CaptureSettings checked(CaptureConfig config) throws ConfigValueException {
		try {
			CaptureSettings next = CaptureSettings.of(config);
			next.checkUsable(settings);
			return next;
		} catch (ConfigValueException e) {
			if (settings == null) {
				configError = e.getMessage();
			}
			throw e;
		}
	}

	@Deactivate
	void deactivate() {
		running.close();
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
		builtins.shutdown();
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
				Target.of(event, id).ifPresent(t -> supervise(() -> startQuietly(t)));
			}
		}
		case SessionManager.TOPIC_CLOSED, SessionManager.TOPIC_EXPIRED -> supervise(() -> endSession(id,
				"session " + event.getTopic().substring(event.getTopic().lastIndexOf('/') + 1).toLowerCase(Locale.ROOT)));
		default -> {
			// other session topics are not ours
		}
		}
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
		Session session = sm.find(client).orElseThrow(() -> new CaptureException("no connected client " + ClientIds.printable(client)));
		RunningCapture c = start(Target.of(session), s);
		if (c instanceof ScriptCapture sc) {
			ScriptCaptures.awaitEarlyExit(sc);
		}
		return c.info();
	}

	@Override
	public boolean stop(String client) {
		RunningCapture c = running.find(client);
		if (c == null || !running.remove(c)) {
			return false; // none, or ended meanwhile
		}
		end(List.of(c), "stopped by the operator");
		return true;
	}

	@Override
	public List<Capture> captures() {
		return running.infos();
	}

	@Override
	public String status() {
		return CaptureStatus.line(settings, configError, scripts, running.size(), budget.lastUsed(), lastError);
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
			if (!running.contains(session.id())) {
				startQuietly(Target.of(session));
			}
		}
	}

	private RunningCapture start(Target t, CaptureSettings s) throws CaptureException {
		try {
			String refusal = budget.refusal(t, s);
			if (refusal != null) {
				throw new CaptureException(refusal);
			}
			RunningCapture c = running.add(t, s.maxConcurrent(), () -> {
				Path dir = s.outputDirectory();
				return s.method() == Method.BUILTIN ? builtins.start(t, s, dir, tun) : startScript(t, s, dir);
			});
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

	private ScriptCapture startScript(Target t, CaptureSettings s, Path dir) throws CaptureException {
		ScriptCapture sc = scripts.start(t, s, dir, tun);
		sc.onExit().thenRun(() -> supervise(() -> scriptEnded(sc)));
		return sc;
	}

	// ---- ending

	private void writeFailed(BuiltinCapture c) {
		error("built-in capture of " + c.target().describe() + " stopped: " + c.error);
		supervise(() -> endIfRunning(c, "write error"));
	}

	private void scriptEnded(ScriptCapture sc) {
		running.remove(sc);
		if (sc.isStopping()) {
			return; // a stop: end() reports it
		}
		scripts.ended(sc, grace());
	}

	private void endSession(long sessionId, String reason) {
		RunningCapture c = running.remove(sessionId);
		if (c != null) {
			end(List.of(c), reason);
		}
	}

	private void endIfRunning(RunningCapture c, String reason) {
		if (running.remove(c)) {
			end(List.of(c), reason);
		}
	}

	private void endAll(String reason) {
		end(running.removeAll(), reason);
	}

	/**
	 * Ends captures already removed from {@link #running}: scripts together (SIGTERM to every
	 * process of every tree, SIGKILL after the stop timeout), then the built-in ones.
	 */
	private void end(Collection<RunningCapture> captures, String reason) {
		if (captures.isEmpty()) {
			return;
		}
		List<ScriptCapture> stopping = new ArrayList<>();
		for (RunningCapture c : captures) {
			if (c instanceof ScriptCapture sc) {
				stopping.add(sc);
			}
		}
		scripts.stop(stopping, reason, grace());
		for (RunningCapture c : captures) {
			if (c instanceof BuiltinCapture bc) {
				builtins.stop(bc, reason);
			}
		}
	}

	private Duration grace() {
		CaptureSettings s = settings;
		return Duration.ofSeconds(s == null ? 5 : s.stopTimeoutSeconds());
	}

	/** Remembers the descendants of running scripts, so that none escapes a stop; keeps the disk budget. */
	private void watch() {
		running.scripts().forEach(ScriptCapture::refresh);
		if (running.size() > 0) { // else nothing writes: a start measures for itself
			keepBudget();
		}
	}

	/** Stops the newest capture(s) while all capture files together exceed maxTotalBytes (see {@link DiskBudget}). */
	private void keepBudget() {
		CaptureSettings s = settings;
		String reason = s == null ? null : budget.enforce(s, this::error, log);
		RunningCapture newest = reason == null ? null : running.removeNewest();
		if (newest != null) {
			end(List.of(newest), reason);
		}
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

	private void announce(CaptureSettings s) {
		log.info("Capture: {}", status());
		if (s.method() == Method.SCRIPT && s.script() == null && s.mode() != Mode.OFF && DefaultScript.tool().isEmpty()) {
			log.warn("The default capture script needs dumpcap (wireshark-common) or tcpdump and neither is installed; "
					+ "method=builtin needs no tool");
		}
	}
}

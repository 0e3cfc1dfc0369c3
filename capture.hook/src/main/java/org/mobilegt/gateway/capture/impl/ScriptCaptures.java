package org.mobilegt.gateway.capture.impl;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.mobilegt.gateway.capture.api.CaptureException;
import org.mobilegt.gateway.common.ClientIds;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.osgi.framework.BundleContext;
import org.osgi.service.log.Logger;

/**
 * The script captures ({@code method=script}): the capture script (the configured one or the
 * bundled default) started per session as a supervised {@link ScriptCapture}, and ended with
 * every process it started ({@link ProcessTree}, {@link CaptureMark}).
 */
final class ScriptCaptures {

	/** How long an operator's start waits to see a script fail at once, to report it right away. */
	static final long EARLY_EXIT_MILLIS = 500;

	private final Logger log;
	private final Consumer<String> errors;
	private volatile Path defaultScript;
	private volatile String defaultScriptError;

	/** Installs the bundled default script into the bundle's data area; {@code errors} hears of failures. */
	ScriptCaptures(BundleContext context, Logger log, Consumer<String> errors) {
		this.log = log;
		this.errors = errors;
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

	/** Starts the capture script for {@code t}, its output in {@code dir}; {@code device} may be null. */
	ScriptCapture start(Target t, CaptureSettings s, Path dir, TunDevice device) throws CaptureException {
		Path script = s.script() != null ? s.script() : defaultScript;
		if (script == null) {
			throw new CaptureException("the bundled capture script could not be installed: " + defaultScriptError);
		}
		String problem = CaptureSettings.problem(script);
		if (problem != null) {
			throw new CaptureException("capture script " + script + " " + problem);
		}
		if (device == null && s.args().uses(ArgsTemplate.TUN)) {
			throw new CaptureException("no TUN device to capture on (tun.driver has none open)");
		}
		Map<String, String> values = new HashMap<>();
		values.put(ArgsTemplate.TUN, device == null ? "" : device.name());
		values.put(ArgsTemplate.CLIENT, ClientIds.fileName(t.clientId()));
		values.put(ArgsTemplate.ADDRESS, t.dottedAddress());
		values.put(ArgsTemplate.ADDRESS6, t.address6() == null ? "" : t.address6());
		values.put(ArgsTemplate.ENDPOINT, t.endpoint());
		values.put(ArgsTemplate.SESSION, Long.toString(t.sessionId()));
		values.put(ArgsTemplate.DIR, dir.toString());
		values.put(ArgsTemplate.TIME, FileNames.time(Instant.now()));
		values.put(ArgsTemplate.MAX_BYTES, Long.toString(s.maxBytes()));
		values.put(ArgsTemplate.FILES, Integer.toString(s.files()));
		long session = t.sessionId();
		try {
			return ScriptCapture.start(t, script, s.args().expand(values), dir,
					line -> log.info("Capture script [session {}]: {}", session, line));
		} catch (IOException e) {
			throw new CaptureException("capture script " + script + " could not be started: " + e.getMessage());
		}
	}

	/** For an operator's start: fails with the script's own words if it exits at once (unless stopped meanwhile). */
	static void awaitEarlyExit(ScriptCapture sc) throws CaptureException {
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

	/** After a script ended by itself: ends what it left running, reports how it ended. */
	void ended(ScriptCapture sc, Duration grace) {
		Set<ProcessHandle> left = new HashSet<>(sc.processes());
		left.removeIf(p -> !p.isAlive());
		if (!left.isEmpty()) {
			List<ProcessHandle> killed = ProcessTree.terminate(left, grace, sc::marked);
			log.warn("Capture script of {} left {} process(es) running: ended them{}", sc.target().describe(), left.size(),
					killed.isEmpty() ? "" : " (" + killed.size() + " with SIGKILL)");
		}
		if (sc.exitCode() == 0) {
			log.info("Capture script of {} ended by itself (exit code 0)", sc.target().describe());
		} else {
			errors.accept(exitMessage(sc));
		}
	}

	/**
	 * Stops {@code scripts} together: SIGTERM to every process of every one (in its tree or marked),
	 * SIGKILL to what is left after {@code grace}; one log line each.
	 */
	void stop(Collection<ScriptCapture> scripts, String reason, Duration grace) {
		if (scripts.isEmpty()) {
			return;
		}
		// each script's processes as found before the signals, to say whose ignored SIGTERM
		Map<ScriptCapture, Set<ProcessHandle>> trees = new LinkedHashMap<>();
		Set<ProcessHandle> processes = new HashSet<>();
		for (ScriptCapture sc : scripts) {
			sc.stopping();
			trees.put(sc, sc.processes());
			processes.addAll(trees.get(sc));
		}
		List<ProcessHandle> killed = ProcessTree.terminate(processes, grace, () -> {
			Set<ProcessHandle> marked = new HashSet<>();
			scripts.forEach(sc -> marked.addAll(sc.marked()));
			return marked;
		});
		trees.forEach((sc, its) -> {
			String exit = sc.alive() ? "still running" : "exit code " + sc.exitCode();
			List<Long> hard = killed.stream().filter(its::contains).map(ProcessHandle::pid).toList();
			if (hard.isEmpty()) {
				log.info("Capture of {} stopped ({}): {}", sc.target().describe(), reason, exit);
			} else {
				log.warn("Capture of {} stopped ({}): {}; pids {} ignored SIGTERM for {} s and were killed", sc.target().describe(),
						reason, exit, hard, grace.toSeconds());
			}
		});
	}

	/**
	 * Ends the capture processes that a gateway process left running when it was killed (kill -9)
	 * or crashed: nothing of a capture outlives the gateway for longer than its next start.
	 */
	void endOrphans(Duration grace) {
		Set<ProcessHandle> orphans = CaptureMark.orphans();
		if (orphans.isEmpty()) {
			return;
		}
		List<Long> pids = orphans.stream().map(ProcessHandle::pid).sorted().toList();
		List<ProcessHandle> killed = ProcessTree.terminate(orphans, grace, CaptureMark::orphans);
		log.warn("Ended {} capture process(es) left running by a gateway process that is gone (kill -9?): pids {}{}", pids.size(),
				pids, killed.isEmpty() ? "" : " (" + killed.size() + " with SIGKILL)");
	}

	static String exitMessage(ScriptCapture sc) {
		String tail = sc.outputTail();
		return "capture script of " + sc.target().describe() + " exited with code " + sc.exitCode()
				+ (tail.isEmpty() ? "" : ": " + tail);
	}

	/** The script part of the status: which script, and what is wrong with it. */
	String description(CaptureSettings s) {
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
}

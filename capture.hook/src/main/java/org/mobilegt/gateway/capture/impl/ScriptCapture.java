package org.mobilegt.gateway.capture.impl;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.mobilegt.gateway.capture.api.Capture;

/**
 * A capture script running as a supervised child process: started from an argv vector (no
 * shell), stdin from /dev/null, stdout and stderr pumped to the log. Its descendants are
 * remembered as they appear ({@link #refresh()}), so that a child re-parented to init after the
 * script's death can still be ended; and each of its processes carries the capture's
 * {@link CaptureMark}, which finds those that left the tree on their own (setsid, double fork).
 */
final class ScriptCapture implements RunningCapture {

	static final String METHOD = "script";

	private final Target target;
	private final Process process;
	private final OutputPump output;
	private final Capture info;
	private final CaptureMark mark;
	private final Set<ProcessHandle> known = ConcurrentHashMap.newKeySet();
	private volatile boolean stopping;

	private ScriptCapture(Target target, Process process, OutputPump output, Capture info, CaptureMark mark) {
		this.target = target;
		this.mark = mark;
		this.process = process;
		this.output = output;
		this.info = info;
		known.add(process.toHandle());
	}

	/**
	 * Starts {@code script} with {@code args} in {@code dir}; {@code log} receives its output lines.
	 *
	 * @throws IOException when the process cannot be started (the message says why)
	 */
	static ScriptCapture start(Target target, Path script, List<String> args, Path dir, Consumer<String> log)
			throws IOException {
		List<String> argv = new ArrayList<>(args.size() + 1);
		argv.add(script.toString());
		argv.addAll(args);
		CaptureMark mark = CaptureMark.of(target.sessionId());
		ProcessBuilder builder = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true)
				.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
		builder.environment().put(CaptureMark.VARIABLE, mark.value());
		Process p = builder.start();
		OutputPump pump = OutputPump.start(p.getInputStream(), log, "mobilegt-capture-" + target.sessionId() + "-output");
		Capture info = new Capture(target.sessionId(), target.clientId(), target.dottedAddress(), METHOD, dir.toString(),
				p.pid(), Instant.now());
		return new ScriptCapture(target, p, pump, info, mark);
	}

	@Override
	public Target target() {
		return target;
	}

	@Override
	public Capture info() {
		return info;
	}

	long pid() {
		return process.pid();
	}

	/** Completes when the script itself has ended. */
	CompletableFuture<Process> onExit() {
		return process.onExit();
	}

	boolean alive() {
		return process.isAlive();
	}

	/** The script's exit code; only once it ended. */
	int exitCode() {
		return process.exitValue();
	}

	/** Remembers the script's current descendants (called periodically). */
	void refresh() {
		if (process.isAlive()) {
			process.descendants().forEach(known::add);
		}
	}

	/** The script, every descendant seen so far, every current one and every marked one: what a stop must end. */
	Set<ProcessHandle> processes() {
		refresh();
		Set<ProcessHandle> all = new HashSet<>(known);
		all.addAll(marked());
		return all;
	}

	/** The live processes that carry this capture's mark, in its tree or not. */
	Set<ProcessHandle> marked() {
		return mark.processes();
	}

	/** From now on the script's end is a stop, not a failure. */
	void stopping() {
		stopping = true;
	}

	boolean isStopping() {
		return stopping;
	}

	/** The last lines of the script's output, for messages; waits briefly for the rest to arrive. */
	String outputTail() {
		output.awaitEnd(500);
		return output.tail();
	}
}

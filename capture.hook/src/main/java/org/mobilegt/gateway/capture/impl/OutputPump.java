package org.mobilegt.gateway.capture.impl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;

import org.mobilegt.gateway.common.Daemons;
import org.mobilegt.gateway.common.RateGate;

/**
 * Reads a capture script's output (stdout and stderr merged) on its own thread and hands it to
 * the log line by line: lines are cut at {@value #MAX_LINE} characters, control characters are
 * shown as '?', and at most {@value #LINES_PER_WINDOW} lines per 10 s are logged (the number held
 * back is said with the next one), so a chatty or hostile script cannot flood the log or fill
 * memory. The last lines are kept for error messages.
 */
final class OutputPump implements Runnable {

	static final int MAX_LINE = 300;
	static final int LINES_PER_WINDOW = 20;
	private static final long WINDOW_MILLIS = 10_000;
	private static final int TAIL = 5;

	private final InputStream in;
	private final Consumer<String> log;
	private final RateGate gate = new RateGate(LINES_PER_WINDOW, WINDOW_MILLIS);
	private final Deque<String> tail = new ArrayDeque<>(TAIL);
	private final Thread thread;

	private OutputPump(InputStream in, Consumer<String> log, String name) {
		this.in = in;
		this.log = log;
		this.thread = Daemons.daemon(this, name);
	}

	/** Starts pumping {@code in} to {@code log} on a thread named {@code name}. */
	static OutputPump start(InputStream in, Consumer<String> log, String name) {
		OutputPump pump = new OutputPump(in, log, name);
		pump.thread.start();
		return pump;
	}

	@Override
	public void run() {
		byte[] line = new byte[MAX_LINE];
		int length = 0;
		boolean cut = false;
		byte[] buffer = new byte[4096];
		try (in) {
			int n;
			while ((n = in.read(buffer)) > 0) {
				for (int i = 0; i < n; i++) {
					byte b = buffer[i];
					if (b == '\n') {
						emit(line, length, cut);
						length = 0;
						cut = false;
					} else if (length < MAX_LINE) {
						line[length++] = b;
					} else {
						cut = true;
					}
				}
			}
		} catch (IOException e) {
			// the pipe closed: the process is gone or was stopped
		}
		if (length > 0) {
			emit(line, length, cut);
		}
	}

	private void emit(byte[] bytes, int length, boolean cut) {
		if (length > 0 && bytes[length - 1] == '\r') {
			length--; // CRLF line ends
		}
		StringBuilder sb = new StringBuilder(length + 4);
		for (char c : new String(bytes, 0, length, StandardCharsets.UTF_8).toCharArray()) {
			sb.append(c < 0x20 && c != '\t' || c == 0x7F ? '?' : c);
		}
		String text = sb.toString().stripTrailing() + (cut ? " [...]" : "");
		if (text.isEmpty()) {
			return;
		}
		synchronized (tail) {
			if (tail.size() == TAIL) {
				tail.removeFirst();
			}
			tail.addLast(text);
		}
		long held = gate.admit(System.currentTimeMillis());
		if (held >= 0) {
			log.accept(held > 0 ? text + " (" + held + " earlier lines not logged)" : text);
		}
	}

	/** The last lines, oldest first, joined by " | "; empty when there were none. */
	String tail() {
		synchronized (tail) {
			return String.join(" | ", tail);
		}
	}

	/** Waits (bounded) until the output has been read to its end. */
	void awaitEnd(long millis) {
		try {
			thread.join(millis);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}
}

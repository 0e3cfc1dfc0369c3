package org.mobilegt.gateway.capture.impl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.mobilegt.gateway.capture.api.Capture;
import org.mobilegt.gateway.capture.api.CaptureException;

/**
 * The running captures by session id, oldest first (maxTotalBytes stops the newest). Each method
 * is atomic; a capture is ended by whoever removed it, so that it is ended once.
 */
final class RunningCaptures {

	/** Starts a capture, under this registry's lock: two starts never both pass maxConcurrent. */
	interface Starter {
		RunningCapture start() throws CaptureException;
	}

	private final Map<Long, RunningCapture> bySession = new LinkedHashMap<>();
	private boolean closed;

	/** Starts and adds the capture of {@code t}, unless closed, {@code t} is captured already, or maxConcurrent run. */
	synchronized RunningCapture add(Target t, int maxConcurrent, Starter starter) throws CaptureException {
		if (closed) {
			throw new CaptureException("capture.hook is stopping");
		}
		RunningCapture existing = bySession.get(t.sessionId());
		if (existing != null) {
			throw new CaptureException(t.describe() + " is already being captured (" + existing.info().method() + ", since "
					+ existing.info().since() + ")");
		}
		if (bySession.size() >= maxConcurrent) {
			throw new CaptureException("cannot capture " + t.describe() + ": " + bySession.size()
					+ " captures are running (maxConcurrent=" + maxConcurrent + ")");
		}
		RunningCapture c = starter.start();
		bySession.put(t.sessionId(), c);
		return c;
	}

	/** From now on starts are refused. */
	synchronized void close() {
		closed = true;
	}

	/** Removes {@code c}; false when it was removed (ended) already. */
	synchronized boolean remove(RunningCapture c) {
		return bySession.remove(c.target().sessionId(), c);
	}

	/** Removes the capture of a session, or returns null. */
	synchronized RunningCapture remove(long sessionId) {
		return bySession.remove(sessionId);
	}

	synchronized List<RunningCapture> removeAll() {
		List<RunningCapture> all = new ArrayList<>(bySession.values());
		bySession.clear();
		return all;
	}

	/** Removes the capture started last, or returns null. */
	synchronized RunningCapture removeNewest() {
		RunningCapture newest = null;
		for (RunningCapture c : bySession.values()) {
			newest = c;
		}
		if (newest != null) {
			bySession.remove(newest.target().sessionId());
		}
		return newest;
	}

	synchronized boolean contains(long sessionId) {
		return bySession.containsKey(sessionId);
	}

	synchronized int size() {
		return bySession.size();
	}

	/** What runs, by session id. */
	synchronized List<Capture> infos() {
		return bySession.values().stream().map(RunningCapture::info).sorted((a, b) -> Long.compare(a.sessionId(), b.sessionId()))
				.toList();
	}

	synchronized List<ScriptCapture> scripts() {
		List<ScriptCapture> scripts = new ArrayList<>();
		for (RunningCapture c : bySession.values()) {
			if (c instanceof ScriptCapture sc) {
				scripts.add(sc);
			}
		}
		return scripts;
	}

	/** The running capture of a client id, tunnel address or session id (in that order, as sessions are found). */
	synchronized RunningCapture find(String who) {
		String q = who.strip();
		for (RunningCapture c : bySession.values()) {
			if (q.equals(c.target().clientId())) {
				return c;
			}
		}
		for (RunningCapture c : bySession.values()) {
			if (q.equals(c.target().dottedAddress()) || q.equals(Long.toString(c.target().sessionId()))) {
				return c;
			}
		}
		return null;
	}
}

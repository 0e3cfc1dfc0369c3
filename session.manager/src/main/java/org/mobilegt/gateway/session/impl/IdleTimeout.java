package org.mobilegt.gateway.session.impl;

import java.util.ArrayList;
import java.util.List;

import org.osgi.service.log.Logger;

/**
 * The idle timeout, a policy of the session manager because it enforces it: {@code idleTimeoutSeconds}
 * of mobilegt.sessions, unless the deprecated key of the same name in mobilegt.tunnel is set (not 0).
 * An explicit old setting then applies, so that a configuration written before the key moved keeps
 * its meaning on every path (file, {@code vpn:set}, Configuration Admin); the Web Console's form, which
 * writes every default, cannot override it by accident.
 */
final class IdleTimeout {

	static final int MIN_SECONDS = 5;
	static final int MAX_SECONDS = 86_400;

	private final Logger log;
	private volatile long ownMillis;
	/** The tunnel's deprecated value, 0 while it is not set. */
	private volatile int legacySeconds;

	IdleTimeout(Logger log, long ownMillis) {
		this.log = log;
		this.ownMillis = ownMillis;
	}

	/** The timeout in force, in milliseconds. */
	long millis() {
		int legacy = legacySeconds;
		return legacy > 0 ? legacy * 1000L : ownMillis;
	}

	/** mobilegt.sessions' value. */
	void own(long millis) {
		if (millis != ownMillis) {
			ownMillis = millis;
			if (legacySeconds > 0) {
				warnLegacy();
			}
		}
	}

	/** The tunnel's deprecated value: 0 (not set) or {@value #MIN_SECONDS} to {@value #MAX_SECONDS} seconds. */
	void legacy(int seconds) {
		if (seconds != 0 && (seconds < MIN_SECONDS || seconds > MAX_SECONDS)) {
			throw new IllegalArgumentException("idle timeout " + seconds + " s: must be 0 or between " + MIN_SECONDS + " and " + MAX_SECONDS);
		}
		if (seconds == legacySeconds) {
			return;
		}
		legacySeconds = seconds;
		if (seconds > 0) {
			warnLegacy();
		} else {
			log.info("Idle timeout {} s (mobilegt.sessions idleTimeoutSeconds)", ownMillis / 1000);
		}
	}

	private void warnLegacy() {
		log.warn("mobilegt.tunnel idleTimeoutSeconds={} is deprecated and applies instead of mobilegt.sessions idleTimeoutSeconds={}:"
				+ " set idleTimeoutSeconds in mobilegt.sessions and remove it from mobilegt.tunnel", legacySeconds, ownMillis / 1000);
	}

	/** The sessions that received nothing for longer than the timeout at {@code nowMillis}. */
	List<SessionImpl> due(Iterable<SessionImpl> sessions, long nowMillis) {
		long limit = millis();
		List<SessionImpl> due = new ArrayList<>();
		for (SessionImpl s : sessions) {
			if (nowMillis - s.lastReceivedMillis() > limit) {
				due.add(s);
			}
		}
		return due;
	}
}

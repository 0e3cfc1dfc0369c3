package org.mobilegt.gateway.tunnel.impl;

import java.util.ArrayList;
import java.util.List;

import org.mobilegt.gateway.auth.api.KeyCheck;
import org.mobilegt.gateway.security.api.SecurityLog;
import org.mobilegt.gateway.session.api.SessionManager;
import org.mobilegt.gateway.tun.api.TunDevice;

/**
 * Everything the data path uses besides its own buffers, as one immutable snapshot: the server
 * publishes a new one (one volatile write, {@link Cell}) on every bind, unbind or configuration
 * change, and a pump or worker reads it once per batch or task. So a batch never sees half of a
 * change, and nothing on the data path calls back into the server. Any part may be null: absent.
 * {@code sessionsLeaving}: the session manager is kept through its bundle's update ({@link Leaving})
 * for the sessions it has, and gets no new ones.
 */
record Bindings(TunnelSettings settings, UdpSocket socket, TunDevice tun, KeyCheck keyCheck, SessionManager sessions,
		TapSelection taps, SecurityLog securityLog, boolean sessionsLeaving) {

	static final Bindings NONE = new Bindings(null, null, null, null, null, null, null, false);

	Bindings withSettings(TunnelSettings s) {
		return new Bindings(s, socket, tun, keyCheck, sessions, taps, securityLog, sessionsLeaving);
	}

	Bindings withSocket(UdpSocket s) {
		return new Bindings(settings, s, tun, keyCheck, sessions, taps, securityLog, sessionsLeaving);
	}

	Bindings withTun(TunDevice t) {
		return new Bindings(settings, socket, t, keyCheck, sessions, taps, securityLog, sessionsLeaving);
	}

	Bindings withKeyCheck(KeyCheck k) {
		return new Bindings(settings, socket, tun, k, sessions, taps, securityLog, sessionsLeaving);
	}

	Bindings withSessions(SessionManager m) {
		return new Bindings(settings, socket, tun, keyCheck, m, taps, securityLog, false);
	}

	/** The session manager stays for the sessions it has while its bundle is updated. */
	Bindings withSessionsLeaving() {
		return new Bindings(settings, socket, tun, keyCheck, sessions, taps, securityLog, true);
	}

	/** The session manager that takes new sessions: none while the current one is leaving. */
	SessionManager sessionsForHandshakes() {
		return sessionsLeaving ? null : sessions;
	}

	Bindings withTaps(TapSelection t) {
		return new Bindings(settings, socket, tun, keyCheck, sessions, t, securityLog, sessionsLeaving);
	}

	Bindings withSecurityLog(SecurityLog l) {
		return new Bindings(settings, socket, tun, keyCheck, sessions, taps, l, sessionsLeaving);
	}

	/** Socket, TUN device, key check and session manager all present: what "serving" means to an operator. */
	boolean serving() {
		return socket != null && tun != null && keyCheck != null && sessions != null;
	}

	/** What keeps the tunnel from serving, for the log. */
	String missing() {
		List<String> missing = new ArrayList<>();
		if (socket == null) {
			missing.add("no UDP socket");
		}
		if (tun == null) {
			missing.add("no TUN device");
		}
		if (keyCheck == null) {
			missing.add("no key check");
		}
		if (sessions == null) {
			missing.add("no session manager");
		}
		return String.join(", ", missing);
	}

	/** Where the current snapshot is published: the server writes, the data path reads. */
	static final class Cell {
		private volatile Bindings current = NONE;
		private volatile boolean frozen;

		Bindings get() {
			return current;
		}

		/** Publishes {@code next}, unless frozen; callers serialise their read-modify-write (the server's lock). */
		void set(Bindings next) {
			if (!frozen) {
				current = next;
			}
		}

		/**
		 * Keeps the current snapshot for good: a tunnel handing over to its next revision keeps
		 * forwarding with what it has, whatever SCR unbinds after its deactivation.
		 */
		void freeze() {
			frozen = true;
		}
	}
}

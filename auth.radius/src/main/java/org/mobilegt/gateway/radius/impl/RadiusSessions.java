package org.mobilegt.gateway.radius.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.mobilegt.gateway.common.Daemons;
import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.session.api.CloseReason;
import org.mobilegt.gateway.session.api.Session;
import org.mobilegt.gateway.session.api.SessionManager;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The sessions RADIUS admitted: enforces their Session-Timeout and Idle-Timeout, and reports them
 * in accounting (Start when opened, Interim-Update every {@code interimSeconds}, Stop with the
 * session's own counters when it ends; a roam is no end). Fed by the session events of
 * session.manager.
 */
@Component(immediate = true, property = EventConstants.EVENT_TOPIC + "=org/mobilegt/gateway/session/*")
public final class RadiusSessions implements EventHandler {

	private final RadiusAuth auth;
	private final SessionManager sessions;
	private final Logger log;
	private final String bootPrefix = Long.toHexString(System.currentTimeMillis() / 1000);
	private final Map<Long, Tracked> tracked = new ConcurrentHashMap<>();
	private final ScheduledExecutorService ticker = Daemons.scheduler("mobilegt-radius-sessions");

	private final Path stateFile;

	@Activate
	public RadiusSessions(BundleContext context, @Reference RadiusAuth auth, @Reference SessionManager sessions,
			@Reference(service = LoggerFactory.class) Logger log) {
		this.auth = auth;
		this.sessions = sessions;
		this.log = log;
		java.io.File data = context.getDataFile("radius-sessions");
		this.stateFile = data == null ? null : data.toPath();
		restore();
		ticker.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
	}

	/**
	 * Saves the tracked sessions in the bundle's data area: after an update of this bundle they are
	 * still timed out and still get their Stop when they end.
	 */
	@Deactivate
	void deactivate() {
		ticker.shutdownNow();
		if (stateFile == null || tracked.isEmpty()) {
			return; // nothing to hand over (and at framework shutdown the data area may be gone)
		}
		List<String> lines = new ArrayList<>();
		tracked.values().forEach(t -> lines.add(t.line()));
		try {
			Files.write(stateFile, lines, StandardCharsets.UTF_8);
		} catch (IOException e) {
			log.error("RADIUS: cannot save the tracked sessions in {}: {}", stateFile, e.toString());
		}
	}

	/**
	 * The sessions a previous instance tracked that are still live. An unreadable line is logged
	 * (by number: it holds a user name) and skipped; the others are restored.
	 */
	private void restore() {
		if (stateFile == null || !Files.exists(stateFile)) {
			return;
		}
		try {
			Map<Long, Session> live = new HashMap<>();
			sessions.sessions().forEach(s -> live.put(s.id(), s));
			long now = System.currentTimeMillis();
			List<String> lines = Files.readAllLines(stateFile, StandardCharsets.UTF_8);
			for (int i = 0; i < lines.size(); i++) {
				try {
					Tracked t = Tracked.parse(lines.get(i), now);
					if (live.containsKey(t.id())) {
						tracked.put(t.id(), t);
					}
				} catch (IllegalArgumentException e) {
					log.error("RADIUS: tracked session on line {} of {} is unreadable, skipped: {}", i + 1, stateFile, e.getMessage());
				}
			}
			Files.delete(stateFile);
		} catch (IOException e) {
			log.error("RADIUS: cannot restore the tracked sessions from {}: {}", stateFile, e.toString());
		}
	}

	@Override
	public void handleEvent(Event event) {
		Object id = event.getProperty(SessionManager.PROP_SESSION_ID);
		if (!(id instanceof Long sessionId)) {
			return;
		}
		long now = System.currentTimeMillis();
		if (event.getTopic().equals(SessionManager.TOPIC_OPENED)) {
			String endpoint = String.valueOf(event.getProperty(SessionManager.PROP_ENDPOINT));
			Granted.Grant grant = auth.granted().take(endpoint, now);
			if (grant == null) {
				return; // not admitted by RADIUS
			}
			int address = address(String.valueOf(event.getProperty(SessionManager.PROP_TUNNEL_ADDRESS)));
			IpAddress address6 = address6(event.getProperty(SessionManager.PROP_TUNNEL_ADDRESS6));
			Tracked t = new Tracked(sessionId, bootPrefix + "-" + sessionId, grant, endpoint, address, address6, now, new long[] { now });
			tracked.put(sessionId, t);
			if (accounting()) {
				auth.accounting().sendOnce(record(t, AcctRecord.START, 0, 0, 0, 0, 0, now));
			}
		} else if (event.getTopic().equals(SessionManager.TOPIC_ROAMED)) {
			// the same session at a new endpoint: still tracked, with its grant and counters; the new
			// endpoint's grant (RADIUS accepted the move) is used up, and later records show where it is
			String endpoint = String.valueOf(event.getProperty(SessionManager.PROP_ENDPOINT));
			auth.granted().take(endpoint, now);
			tracked.computeIfPresent(sessionId, (key, t) -> t.at(endpoint));
		} else {
			Tracked t = tracked.remove(sessionId);
			if (t != null && accounting()) {
				auth.accounting().stop(record(t, AcctRecord.STOP, number(event, SessionManager.PROP_RX_BYTES),
						number(event, SessionManager.PROP_TX_BYTES), number(event, SessionManager.PROP_RX_PACKETS),
						number(event, SessionManager.PROP_TX_PACKETS), cause(String.valueOf(event.getProperty(SessionManager.PROP_REASON))),
						now));
			}
		}
	}

	/** A dotted IPv4 address (a literal: no name lookup) as an int, 0 when it is none. */
	private static int address(String dotted) {
		try {
			return IpAddress.parseIpv4(dotted);
		} catch (IllegalArgumentException e) {
			return 0;
		}
	}

	/** An IPv6 address literal (no name lookup), null when absent, empty or anything else. */
	private IpAddress address6(Object text) {
		if (!(text instanceof String s) || s.isEmpty()) {
			return null;
		}
		try {
			IpAddress a = IpAddress.parse(s);
			if (a.isIpv6()) {
				return a;
			}
		} catch (IllegalArgumentException e) {
			// logged below
		}
		log.warn("RADIUS: the session's IPv6 address {} is not one; accounted without it", s);
		return null;
	}

	private boolean accounting() {
		RadiusSettings s = auth.settings();
		return s != null && s.accounting();
	}

	private static long number(Event e, String property) {
		return e.getProperty(property) instanceof Number n ? n.longValue() : 0;
	}

	/** Acct-Terminate-Cause (RFC 2866 5.10) of a close reason. */
	static int cause(String reason) {
		return switch (reason) {
		case "EXPIRED" -> 4; // Idle-Timeout
		case "SESSION_TIMEOUT" -> 5; // Session-Timeout
		case "KICKED", "REVOKED" -> 6; // Admin-Reset
		case "SHUTDOWN" -> 7; // Admin-Reboot
		case "ROAMED" -> 1; // User-Request: the client started another session
		default -> 1;
		};
	}

	private AcctRecord record(Tracked t, int status, long in, long out, long inPackets, long outPackets, int cause, long now) {
		byte[] cls = t.grant().cls();
		return new AcctRecord(status, t.sessionId(), t.grant().user(), t.endpoint(), t.address(), t.address6(), in, out, inPackets,
				outPackets, (now - t.startMillis()) / 1000, cause, cls == null ? "" : Base64.getEncoder().encodeToString(cls), now);
	}

	/** Timeouts and interim updates, once a second. */
	private void tick() {
		try {
			long now = System.currentTimeMillis();
			auth.granted().prune(now);
			if (tracked.isEmpty()) {
				return;
			}
			Map<Long, Session> live = new HashMap<>();
			for (Session s : sessions.sessions()) {
				live.put(s.id(), s);
			}
			RadiusSettings settings = auth.settings();
			for (Tracked t : tracked.values()) {
				Session s = live.get(t.id());
				if (s == null) {
					continue;
				}
				Granted.Grant g = t.grant();
				if (g.sessionTimeoutSeconds() > 0 && now - t.startMillis() >= g.sessionTimeoutSeconds() * 1000L) {
					log.info("Session {} of {} ended: RADIUS Session-Timeout of {} s", t.id(), g.user(), g.sessionTimeoutSeconds());
					sessions.close(s, CloseReason.SESSION_TIMEOUT);
				} else if (g.idleTimeoutSeconds() > 0 && now - s.lastReceivedMillis() >= g.idleTimeoutSeconds() * 1000L) {
					log.info("Session {} of {} ended: RADIUS Idle-Timeout of {} s", t.id(), g.user(), g.idleTimeoutSeconds());
					sessions.close(s, CloseReason.EXPIRED);
				} else if (settings != null && settings.accounting() && settings.interimSeconds() > 0
						&& now - t.lastInterim()[0] >= settings.interimSeconds() * 1000L) {
					t.lastInterim()[0] = now;
					auth.accounting().sendOnce(record(t, AcctRecord.INTERIM, s.rxBytes(), s.txBytes(), s.rxPackets(), s.txPackets(), 0, now));
				}
			}
		} catch (RuntimeException e) {
			log.error("RADIUS session check failed", e);
		}
	}
}

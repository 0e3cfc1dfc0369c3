package org.mobilegt.gateway.app.ops;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.mobilegt.gateway.app.config.ConfigEditor;
import org.mobilegt.gateway.app.ops.TrafficHistory.Rate;
import org.mobilegt.gateway.app.ops.Views.AttemptView;
import org.mobilegt.gateway.app.ops.Views.LeaseView;
import org.mobilegt.gateway.app.ops.Views.SessionView;
import org.mobilegt.gateway.auth.api.KeyCheck;
import org.mobilegt.gateway.capture.api.CaptureControl;
import org.mobilegt.gateway.common.ClientIds;
import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.security.api.SecurityLog;
import org.mobilegt.gateway.session.api.CloseReason;
import org.mobilegt.gateway.session.api.Pool;
import org.mobilegt.gateway.session.api.Session;
import org.mobilegt.gateway.session.api.SessionManager;
import org.mobilegt.gateway.tun.api.TunStatus;
import org.mobilegt.gateway.tunnel.api.Direction;
import org.mobilegt.gateway.tunnel.api.Latency;
import org.mobilegt.gateway.tunnel.api.Totals;
import org.mobilegt.gateway.tunnel.api.TunnelStats;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * Everything an operator can see and do, independent of how it is shown: the Gogo commands and
 * the console page are thin views over this. Each gateway service is optional, so a missing one
 * (being updated, failed) shows as "not available" instead of breaking the operator's tools.
 */
@Component(service = Operations.class)
public final class Operations {

	/** The configuration PIDs operators manage. */
	public static final List<String> PIDS = List.of("mobilegt.tun", "mobilegt.tunnel", "mobilegt.auth", "mobilegt.radius",
			"mobilegt.sessions", "mobilegt.capture", "mobilegt.console", "mobilegt.metrics", "mobilegt.connlog");

	public record Stats(Totals totals, Rate last10s, Rate last60s, Map<String, Long> drops, Map<String, Long> rejections,
			Map<String, Latency> processingNanos) {
	}

	/**
	 * The pools; subnet6 is null while IPv6 is off, size6 and free6 are {@link Long#MAX_VALUE} for
	 * a prefix too large to count (a /64).
	 */
	public record PoolView(String subnet, int size, int used, int reserved, int free, String subnet6, long size6, int used6,
			int reserved6, long free6, List<LeaseView> leases) {

		/** The same figures without the lease list. */
		public PoolView counts() {
			return new PoolView(subnet, size, used, reserved, free, subnet6, size6, used6, reserved6, free6, List.of());
		}
	}

	/** A parameter's effective value, secrets masked, and whether it is configured or the default. */
	public record ConfigValue(String value, boolean configured) {
	}

	public record Status(String tun, List<String> tunInstalled, boolean tunUp, String socket, boolean serving,
			int sessions, String auth, boolean keyConfigured, String capture, String uptime, String version,
			List<OperatorBundles.BundleView> operatorBundles) {
	}

	private final TrafficHistory history;
	private final ConfigEditor config;
	private final Logger log;
	private final String version;
	private final org.osgi.framework.BundleContext context;

	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	private volatile SessionManager sessions;
	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	private volatile TunnelStats tunnel;
	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	private volatile KeyCheck keys;
	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	private volatile SecurityLog attempts;
	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	private volatile TunStatus tun;
	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	private volatile CaptureControl capture;

	@Activate
	public Operations(org.osgi.framework.BundleContext context, @Reference TrafficHistory history,
			@Reference ConfigEditor config, @Reference(service = LoggerFactory.class) Logger log) {
		this.history = history;
		this.config = config;
		this.log = log;
		this.version = context.getBundle().getVersion().toString();
		this.context = context;
	}

	public List<SessionView> clients() {
		SessionManager sm = sessions;
		if (sm == null) {
			return List.of();
		}
		long now = System.currentTimeMillis();
		List<SessionView> views = new ArrayList<>();
		for (Session s : sm.sessions()) {
			views.add(Views.of(s, now));
		}
		views.sort((a, b) -> Long.compare(a.id(), b.id()));
		return views;
	}

	public Optional<Session> find(String who) {
		SessionManager sm = sessions;
		return sm == null ? Optional.empty() : sm.find(who);
	}

	/** The outcome of a kick: whether a session was ended, and a message for the operator. */
	public record Kick(boolean kicked, String message) {
	}

	/** Ends a client's session, optionally banning its id and source address. */
	public Kick kick(String who, int banMinutes) {
		SessionManager sm = sessions;
		if (sm == null) {
			return new Kick(false, "session manager not available");
		}
		return sm.find(who).map(s -> new Kick(true, close(sm, s, banMinutes)))
				.orElse(new Kick(false, "no client " + ClientIds.printable(who)));
	}

	/**
	 * Ends the session with exactly this id (never a client whose id merely looks like the number,
	 * as {@link #kick(String, int)} would find first): what the console's Kick button means.
	 */
	public Kick kickSession(long sessionId, int banMinutes) {
		SessionManager sm = sessions;
		if (sm == null) {
			return new Kick(false, "session manager not available");
		}
		return sm.sessions().stream().filter(s -> s.id() == sessionId).findFirst()
				.map(s -> new Kick(true, close(sm, s, banMinutes))).orElse(new Kick(false, "no session " + sessionId));
	}

	private String close(SessionManager sm, Session s, int banMinutes) {
		sm.close(s, CloseReason.KICKED);
		String what = "kicked session " + s.id() + " (" + ClientIds.printable(s.clientId())
				+ " at " + EndpointKey.format(s.endpoint()) + ")";
		KeyCheck k = keys;
		if (banMinutes > 0 && k != null) {
			k.ban(EndpointKey.inetAddress(s.endpoint()), s.clientId(), Duration.ofMinutes(banMinutes));
			what += ", banned for " + banMinutes + " min";
		}
		log.info("Operator {}", what);
		return what;
	}

	public Stats stats() {
		TunnelStats t = tunnel;
		SecurityLog a = attempts;
		Map<String, Long> drops = new TreeMap<>();
		Map<String, Latency> latency = new LinkedHashMap<>();
		Totals totals = new Totals(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
		if (t != null) {
			totals = t.totals();
			t.drops().forEach((r, n) -> drops.put(r.name(), n));
			for (Direction d : Direction.values()) {
				latency.put(d.name(), t.processingTime(d));
			}
		}
		Map<String, Long> rejections = new TreeMap<>();
		if (a != null) {
			a.counts().forEach((r, n) -> rejections.put(r.name(), n));
		}
		return new Stats(totals, history.rate(10), history.rate(60), drops, rejections, latency);
	}

	/** Histogram buckets of the sampled processing times, see {@link TunnelStats#processingTimeCounts}. */
	public long[] processingTimeCounts(Direction direction, long[] upperBoundsNanos) {
		TunnelStats t = tunnel;
		return t == null ? new long[upperBoundsNanos.length + 1] : t.processingTimeCounts(direction, upperBoundsNanos);
	}

	public List<AttemptView> illegal(int max) {
		SecurityLog a = attempts;
		return a == null ? List.of() : a.illegalAttempts(max).stream().map(Views::of).toList();
	}

	public PoolView pool() {
		SessionManager sm = sessions;
		if (sm == null) {
			return new PoolView("(session manager not available)", 0, 0, 0, 0, null, 0, 0, 0, 0, List.of());
		}
		Pool p = sm.pool();
		return new PoolView(p.subnet(), p.size(), p.used(), p.reserved(), p.free(), p.subnet6(), p.size6(), p.used6(), p.reserved6(),
				p.free6(), p.leases().stream().map(Views::of).toList());
	}

	public Status status() {
		TunStatus ts = tun;
		TunnelStats t = tunnel;
		KeyCheck k = keys;
		CaptureControl c = capture;
		SessionManager sm = sessions;
		long uptime = ManagementFactory.getRuntimeMXBean().getUptime() / 1000;
		return new Status(ts == null ? "tun.driver not available" : ts.summary(), ts == null ? List.of() : ts.installed(),
				ts != null && ts.up(), t == null ? "tunnel.udp not available" : t.socketStatus(), t != null && t.serving(),
				sm == null ? 0 : sm.sessions().size(),
				k == null ? "auth.keycheck not available" : k.keyConfigured() ? "shared key configured" : "NO shared key configured: every handshake is refused (set key in mobilegt.auth)",
				k != null && k.keyConfigured(),
				c == null ? "capture.hook not available" : c.status(), Views.duration(uptime), version,
				OperatorBundles.of(context));
	}

	/** Effective parameters of every PID (or just {@code onlyPid}), secrets masked. */
	public Map<String, Map<String, ConfigValue>> config(String onlyPid) throws IOException {
		Map<String, Map<String, ConfigValue>> all = new LinkedHashMap<>();
		for (String pid : PIDS) {
			if (onlyPid != null && !onlyPid.equals(pid)) {
				continue;
			}
			Map<String, String> configured = config.configured(pid);
			Map<String, ConfigValue> shown = new LinkedHashMap<>();
			config.effective(pid).forEach((k, v) -> shown.put(k,
					new ConfigValue(v == null ? "" : config.schema().shown(pid, k, v), configured.containsKey(k))));
			all.put(pid, shown);
		}
		return all;
	}

	public ConfigEditor.Outcome set(String pid, String key, String value) throws IOException, InterruptedException {
		return config.set(pid, key, value);
	}

	public CaptureControl capture() {
		return capture;
	}

	public TrafficHistory history() {
		return history;
	}
}

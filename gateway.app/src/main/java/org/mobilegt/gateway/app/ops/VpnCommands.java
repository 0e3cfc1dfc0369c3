package org.mobilegt.gateway.app.ops;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.mobilegt.gateway.app.config.ConfigEditor;
import org.mobilegt.gateway.app.ops.Operations.ConfigValue;
import org.mobilegt.gateway.app.ops.Views.AttemptView;
import org.mobilegt.gateway.app.ops.Views.LeaseView;
import org.mobilegt.gateway.app.ops.Views.SessionView;
import org.mobilegt.gateway.capture.api.Capture;
import org.mobilegt.gateway.capture.api.CaptureControl;
import org.mobilegt.gateway.capture.api.CaptureException;
import org.mobilegt.gateway.common.ClientIds;
import org.mobilegt.gateway.session.api.Session;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The operator's Gogo commands, scope {@code vpn}. Tables for people, {@code --json} for scripts. */
@Component(service = VpnCommands.class)
@GogoCommand(scope = "vpn", function = { "clients", "client", "kick", "stats", "illegal", "pool", "config", "set", "status",
		"capture" })
public final class VpnCommands {

	private static final String JSON = "output JSON (one line) for scripts";

	private final Operations ops;

	@Activate
	public VpnCommands(@Reference Operations ops) {
		this.ops = ops;
	}

	@Descriptor("list connected clients: id, endpoint, tunnel address, since, idle, rx/tx packets and bytes")
	public String clients(@Descriptor(JSON) @Parameter(names = { "-j", "--json" }, presentValue = "true", absentValue = "false") boolean json) {
		List<SessionView> clients = ops.clients();
		if (json) {
			return Views.json(clients);
		}
		Table t = new Table(">SESSION", "CLIENT", "ENDPOINT", "ADDRESS", "ADDRESS6", "SINCE", ">IDLE", ">RX PKTS", ">RX BYTES",
				">TX PKTS", ">TX BYTES", ">DROPS");
		long now = System.currentTimeMillis();
		for (SessionView c : clients) {
			t.row(c.id(), c.client(), c.endpoint(), c.address(), orDash(c.address6()),
					Views.duration(Views.secondsSince(java.time.Instant.parse(c.since()), now)) + " ago",
					Views.duration(c.idleSeconds()), c.rxPackets(), Views.bytes(c.rxBytes()), c.txPackets(),
					Views.bytes(c.txBytes()), c.drops());
		}
		return t.toString() + clients.size() + " client(s)";
	}

	@Descriptor("show one client in detail, drops included")
	public String client(CommandSession session, @Descriptor(JSON) @Parameter(names = { "-j", "--json" }, presentValue = "true", absentValue = "false") boolean json,
			@Descriptor("client id, tunnel address or session id") String who) {
		Optional<Session> s = ops.find(who);
		if (s.isEmpty()) {
			return Failure.of(session, json, "no client " + ClientIds.printable(who));
		}
		SessionView v = Views.of(s.get(), System.currentTimeMillis());
		if (json) {
			return Views.json(v);
		}
		return String.format(Locale.ROOT,
				"session     %d%nclient id   %s%nendpoint    %s%naddress     %s%naddress6    %s%nsince       %s%nidle        %s%n"
						+ "received    %d packets, %s%nsent        %d packets, %s%ndropped     %d packets",
				v.id(), v.client(), v.endpoint(), v.address(), orDash(v.address6()), v.since(), Views.duration(v.idleSeconds()),
				v.rxPackets(), Views.bytes(v.rxBytes()), v.txPackets(), Views.bytes(v.txBytes()), v.drops());
	}

	@Descriptor("end a client's session; with --ban, refuse its id and source address for that many minutes")
	public String kick(CommandSession session, @Descriptor(JSON) @Parameter(names = { "-j", "--json" }, presentValue = "true", absentValue = "false") boolean json,
			@Descriptor("also ban for this many minutes") @Parameter(names = { "-b", "--ban" }, absentValue = "0") int banMinutes,
			@Descriptor("client id, tunnel address or session id") String who) {
		Operations.Kick k = ops.kick(who, banMinutes);
		return k.kicked() ? ok(json, k.message()) : Failure.of(session, json, k.message());
	}

	/** A success: the message, or {@code {"ok": true, "message": ...}} with --json. */
	private static String ok(boolean json, String message) {
		return json ? Views.json(Map.of("ok", true, "message", message)) : message;
	}

	@Descriptor("totals, rates over the last 10 s and 1 min, drops by reason, processing-time percentiles")
	public String stats(@Descriptor(JSON) @Parameter(names = { "-j", "--json" }, presentValue = "true", absentValue = "false") boolean json) {
		Operations.Stats s = ops.stats();
		if (json) {
			return Views.json(s);
		}
		var t = s.totals();
		StringBuilder sb = new StringBuilder();
		sb.append(String.format(Locale.ROOT, "sessions    %d%n", t.sessions()));
		sb.append(String.format(Locale.ROOT, "from clients  %d packets, %s%nto clients    %d packets, %s%n", t.rxPackets(),
				Views.bytes(t.rxBytes()), t.txPackets(), Views.bytes(t.txBytes())));
		sb.append(String.format(Locale.ROOT, "handshakes  %d ok, %d refused; keepalives %d in, %d out; re-handshake hints %d%n",
				t.handshakesOk(), t.handshakesFailed(), t.keepalivesIn(), t.keepalivesOut(), t.hints()));
		Table rates = new Table("RATE", ">FROM CLIENTS pkt/s", ">bit/s", ">TO CLIENTS pkt/s", ">bit/s");
		for (var r : List.of(s.last10s(), s.last60s())) {
			rates.row("last " + r.seconds() + " s", Views.si(r.rxPps()), Views.si(r.rxBps()), Views.si(r.txPps()), Views.si(r.txBps()));
		}
		sb.append(rates);
		Table latency = new Table("PROCESSING", ">SAMPLES", ">p50 µs", ">p90 µs", ">p99 µs", ">p99.9 µs", ">max µs");
		s.processingNanos().forEach((d, l) -> latency.row(d.toLowerCase(Locale.ROOT).replace('_', ' '), l.samples(),
				micros(l.p50()), micros(l.p90()), micros(l.p99()), micros(l.p999()), micros(l.max())));
		sb.append(latency);
		sb.append("drops:      ").append(s.drops().isEmpty() ? "none" : s.drops()).append('\n');
		sb.append("rejections: ").append(s.rejections().isEmpty() ? "none" : s.rejections());
		return sb.toString();
	}

	private static String orDash(String s) {
		return s == null ? "-" : s;
	}

	/** A pool figure; a /64's is too large to count. */
	private static String countable(long n) {
		return n == Long.MAX_VALUE ? "too many to count" : String.valueOf(n);
	}

	private static String micros(long nanos) {
		return String.format(Locale.ROOT, "%.1f", nanos / 1000.0);
	}

	@Descriptor("the newest illegal attempts (default 20)")
	public String illegal(@Descriptor(JSON) @Parameter(names = { "-j", "--json" }, presentValue = "true", absentValue = "false") boolean json) {
		return illegal(json, 20);
	}

	@Descriptor("the newest illegal attempts")
	public String illegal(@Descriptor(JSON) @Parameter(names = { "-j", "--json" }, presentValue = "true", absentValue = "false") boolean json,
			@Descriptor("how many") int n) {
		List<AttemptView> attempts = ops.illegal(n);
		if (json) {
			return Views.json(attempts);
		}
		Table t = new Table("TIME", "SOURCE", "REASON", "DETAIL");
		attempts.forEach(a -> t.row(a.time(), a.address() + ":" + a.port(), a.reason(), Views.printable(a.detail())));
		return t.toString() + attempts.size() + " attempt(s); totals by reason: " + ops.stats().rejections();
	}

	@Descriptor("the address pool: size, used, free, leases")
	public String pool(@Descriptor(JSON) @Parameter(names = { "-j", "--json" }, presentValue = "true", absentValue = "false") boolean json) {
		Operations.PoolView p = ops.pool();
		if (json) {
			return Views.json(p);
		}
		Table t = new Table("ADDRESS", "ADDRESS6", "CLIENT", "STATE", "RESERVED UNTIL");
		for (LeaseView l : p.leases()) {
			t.row(l.address(), orDash(l.address6()), ClientIds.printable(l.clientId()), l.live() ? "live" : "reserved",
					l.expires());
		}
		String pool6 = p.subnet6() == null ? String.format(Locale.ROOT, "pool6 off (the TUN device has no IPv6 prefix)%n")
				: String.format(Locale.ROOT, "pool6 %s: %s addresses, %d used, %d reserved, %s free%n", p.subnet6(), countable(p.size6()),
						p.used6(), p.reserved6(), countable(p.free6()));
		return String.format(Locale.ROOT, "pool %s: %d addresses, %d used, %d reserved, %d free%n", p.subnet(), p.size(), p.used(),
				p.reserved(), p.free()) + pool6 + t.toString();
	}

	@Descriptor("effective parameters of every configuration (secrets masked; * = configured, else default)")
	public String config(@Descriptor(JSON) @Parameter(names = { "-j", "--json" }, presentValue = "true", absentValue = "false") boolean json)
			throws IOException {
		return config(json, null);
	}

	@Descriptor("effective parameters of one configuration (secrets masked; * = configured, else default)")
	public String config(@Descriptor(JSON) @Parameter(names = { "-j", "--json" }, presentValue = "true", absentValue = "false") boolean json,
			@Descriptor("configuration PID, e.g. mobilegt.tunnel") String pid) throws IOException {
		Map<String, Map<String, ConfigValue>> all = ops.config(pid);
		if (json) {
			return Views.json(all);
		}
		StringBuilder sb = new StringBuilder();
		all.forEach((p, values) -> {
			sb.append(p).append('\n');
			Table t = new Table("  KEY", "", "VALUE");
			values.forEach((k, v) -> t.row("  " + k, v.configured() ? "*" : "", v.value()));
			sb.append(t);
		});
		return sb.toString().stripTrailing();
	}

	@Descriptor("change one parameter live through Configuration Admin; checked first, and the old value stays when it is refused")
	public String set(CommandSession session, @Descriptor(JSON) @Parameter(names = { "-j", "--json" }, presentValue = "true", absentValue = "false") boolean json,
			@Descriptor("configuration PID, e.g. mobilegt.tunnel") String pid, @Descriptor("key, e.g. port") String key,
			@Descriptor("new value (lists comma-separated)") String value) throws IOException, InterruptedException {
		ConfigEditor.Outcome o = ops.set(pid, key, value);
		return o.applied() ? ok(json, o.message()) : Failure.of(session, json, o.message());
	}

	@Descriptor("one-glance health: TUN device, UDP socket, sessions, key, capture")
	public String status(@Descriptor(JSON) @Parameter(names = { "-j", "--json" }, presentValue = "true", absentValue = "false") boolean json) {
		Operations.Status s = ops.status();
		if (json) {
			return Views.json(s);
		}
		StringBuilder sb = new StringBuilder();
		sb.append(String.format(Locale.ROOT, "gateway   %s, up %s%n", s.version(), s.uptime()));
		sb.append(String.format(Locale.ROOT, "tun       %s %s%n", s.tunUp() ? "OK  " : "FAIL", s.tun()));
		s.tunInstalled().forEach(i -> sb.append("            ").append(i).append('\n'));
		sb.append(String.format(Locale.ROOT, "socket    %s %s%n", s.socket().startsWith("listening") ? "OK  " : "FAIL", s.socket()));
		sb.append(String.format(Locale.ROOT, "serving   %s%n", s.serving() ? "yes" : "NO"));
		sb.append(String.format(Locale.ROOT, "sessions  %d%n", s.sessions()));
		sb.append(String.format(Locale.ROOT, "auth      %s%n", s.auth()));
		sb.append(String.format(Locale.ROOT, "capture   %s%n", s.capture()));
		if (s.operatorBundles().isEmpty()) {
			sb.append("bundles   as shipped in gateway.jar");
		} else {
			sb.append(String.format(Locale.ROOT, "bundles   %d changed by an operator (update <id> or -Dmobilegt.reset-bundles=true: back to the shipped copy)",
					s.operatorBundles().size()));
			s.operatorBundles().forEach(b -> sb.append(String.format(Locale.ROOT, "%n            %d %s %s %s %s", b.id(), b.symbolicName(),
					b.version(), b.change(), b.since())));
		}
		return sb.toString();
	}

	@Descriptor("list running captures")
	public String capture(CommandSession session, @Descriptor(JSON) @Parameter(names = { "-j", "--json" }, presentValue = "true", absentValue = "false") boolean json) {
		CaptureControl c = ops.capture();
		if (c == null) {
			return Failure.of(session, json, "capture.hook not available");
		}
		if (json) {
			return Views.json(Map.of("status", c.status(), "captures", c.captures().stream().map(VpnCommands::view).toList()));
		}
		Table t = new Table(">SESSION", "CLIENT", "ADDRESS", "METHOD", "OUTPUT", ">PID", "SINCE");
		for (Capture cap : c.captures()) {
			t.row(cap.sessionId(), ClientIds.printable(cap.clientId()), cap.tunnelAddress(), cap.method(), cap.output(),
					cap.pid() < 0 ? "-" : cap.pid(), cap.since());
		}
		return c.status() + "\n" + t;
	}

	@Descriptor("start or stop capturing a client's traffic")
	public String capture(CommandSession session, @Descriptor(JSON) @Parameter(names = { "-j", "--json" }, presentValue = "true", absentValue = "false") boolean json, @Descriptor("start or stop") String action,
			@Descriptor("client id, tunnel address or session id") String who) {
		CaptureControl c = ops.capture();
		if (c == null) {
			return Failure.of(session, json, "capture.hook not available");
		}
		switch (action) {
		case "start":
			try {
				Capture cap = c.start(who);
				return json ? Views.json(view(cap))
						: "capturing session " + cap.sessionId() + " (" + cap.method() + (cap.pid() < 0 ? "" : ", pid " + cap.pid())
								+ ") into " + cap.output();
			} catch (CaptureException e) {
				return Failure.of(session, json, "cannot capture " + Views.printable(who) + ": " + e.getMessage());
			}
		case "stop":
			return c.stop(who) ? ok(json, "capture of " + Views.printable(who) + " stopped")
					: Failure.of(session, json, "no capture of " + Views.printable(who));
		default:
			return Failure.of(session, json, "usage: vpn:capture start|stop <client>");
		}
	}

	private static Map<String, Object> view(Capture cap) {
		return Map.of("session", cap.sessionId(), "client", String.valueOf(cap.clientId()), "address", String.valueOf(cap.tunnelAddress()),
				"method", String.valueOf(cap.method()), "output", String.valueOf(cap.output()), "pid", cap.pid(),
				"since", String.valueOf(cap.since()));
	}
}

package org.mobilegt.gateway.tunnel.impl;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.mobilegt.gateway.auth.api.KeyCheck;
import org.mobilegt.gateway.security.api.SecurityLog;
import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.common.Daemons;
import org.mobilegt.gateway.common.InPlaceRestart;
import org.mobilegt.gateway.common.KeptState;
import org.mobilegt.gateway.common.LiveConfig;
import org.mobilegt.gateway.session.api.SessionManager;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.mobilegt.gateway.tunnel.api.PacketTap;
import org.mobilegt.gateway.tunnel.api.TunnelStats;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The ToyVpn tunnel: UDP sockets on one port for every client ({@link UplinkSockets}), an uplink
 * pump (UDP to TUN) for each, one downlink pump per TUN queue (TUN to UDP), a pool of control workers for handshakes and a housekeeping
 * tick for keepalives (the session manager expires idle sessions itself).
 * <p>
 * Every collaborator is a dynamic reference: when the TUN driver, the session manager or the key
 * check is updated, the tunnel keeps its socket and sessions and re-binds to the new service.
 * Parameters apply live; a bind address or port change binds the new socket before closing the
 * old one, and is refused (the old one kept) when the new one cannot be bound. An update of this
 * bundle hands the open sockets over: the old pumps forward until the new revision serves
 * ({@link SocketHandOver}, {@link Predecessor}).
 */
@Component(configurationPid = TunnelConfig.PID, immediate = true, service = TunnelStats.class)
@Designate(ocd = TunnelConfig.class)
public final class TunnelServer extends TunnelView {

	static final String COUNTERS_FILE = "counters.json";
	static final long TAKE_OVER_MILLIS = 1000;

	private final Logger log;
	private final KeptState<TunnelMetrics.Saved> countersFile;
	private final Map<PacketTap, Object> tapSelections = new ConcurrentHashMap<>();
	private final ScheduledExecutorService housekeeping;
	private final Control control;
	private final Pumps pumps;
	private final Housekeeping tick;
	private final Leaving leaving;

	private final LiveConfig<TunnelConfig, TunnelSettings> live;
	private boolean wasServing;
	private final BundleContext context;
	/** The previous revision, still forwarding until this one serves ({@link #takeOver}). */
	private Predecessor pending;
	/** The previous revision taken over: its counters arrive when its downlinks ended. */
	private Predecessor handedFrom;
	private boolean handingOver;
	/** The sockets the uplinks read; the first is the one of {@link Bindings#socket}. */
	private volatile UplinkSockets sockets;
	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	private volatile EventAdmin events;
	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	private volatile ConfigurationAdmin configurationAdmin;

	@Activate
	public TunnelServer(BundleContext context, TunnelConfig config, Map<String, Object> properties,
			@Reference(service = LoggerFactory.class) Logger log) {
		this.log = log;
		this.context = context;
		this.leaving = new Leaving(context, bound, log);
		this.live = new LiveConfig<>(TunnelConfig.PID, TunnelConfig.class, TunnelSettings::of, log, () -> events,
				() -> configurationAdmin);
		this.countersFile = new KeptState<>(context.getDataFile(COUNTERS_FILE).toPath(), TunnelMetrics.Saved.class,
				context.getProperty(Constants.FRAMEWORK_UUID));
		metrics.restore(countersFile, log);
		TunnelSettings s;
		try {
			s = live.start(config, properties);
		} catch (ConfigValueException e) {
			log.error("Tunnel not started: {}", e.getMessage());
			socketError = e.getMessage();
			s = null;
		}
		bound.set(Bindings.NONE.withSettings(s));
		control = new Control(bound, metrics, log, s);
		pumps = new Pumps(bound, metrics, control, log);
		tick = new Housekeeping(bound, metrics, control, () -> sockets);
		pending = s == null ? null : Predecessor.find(context, s, log);
		if (pending != null) {
			pumps.hold(); // its pumps forward until this one has what it needs
			if (pending.sockets() == null) {
				takeOver(); // not adoptable: stop them now, bind anew
			}
		} else if (s != null) {
			listenOrSay(s);
		}
		housekeeping = Daemons.scheduler("mobilegt-tunnel-housekeeping");
		housekeeping.scheduleWithFixedDelay(this::housekeeping, 1, 1, TimeUnit.SECONDS);
	}

	@Modified
	synchronized void modified(TunnelConfig config, Map<String, Object> newProperties) {
		if (pending != null) {
			takeOver();
		}
		TunnelSettings previous = bound.get().settings();
		boolean serving = previous != null && sockets != null;
		live.update(config, newProperties, next -> {
			if (!next.sameSocket(previous) || sockets == null) {
				try {
					listen(next);
				} catch (IOException e) {
					boolean uplinksOnly = serving && next.bind().equals(previous.bind()) && next.port() == previous.port();
					throw serving ? new ConfigValueException(TunnelConfig.PID, uplinksOnly ? "uplinks" : "port", uplinksOnly ? config.uplinks()
							: config.bind() + ":" + config.port(), "cannot be bound: " + e.getMessage()) : e;
				}
			} else {
				if (next.socketBufferBytes() != previous.socketBufferBytes()) {
					sockets.buffers(next.socketBufferBytes());
				}
				if (next.receiveOffload() != previous.receiveOffload()) {
					ReceiveOffload.changed(sockets.all(), next, log);
				}
			}
			control.apply(next);
			bound.set(bound.get().withSettings(next));
			socketError = null;
		}, serving ? null : e -> {
			socketError = e.getMessage();
			log.error("Tunnel not listening: {}", e.getMessage());
		});
	}

	/** Binds the sockets of {@code s} and moves the uplinks to them; the old sockets close after. */
	private synchronized void listen(TunnelSettings s) throws IOException {
		UplinkSockets next = UplinkSockets.bind(s, sockets);
		UplinkSockets previous = sockets;
		serveOn(next, s);
		if (previous != null) {
			previous.release();
			next.steer(0); // the port's only set now, if it shared it
		}
		log.info("Tunnel listening on {}", next.describe());
		servingChanged();
	}

	/** Moves the uplinks and the sending to {@code next}, its receive offload set by {@code s} before they read. */
	private void serveOn(UplinkSockets next, TunnelSettings s) {
		ReceiveOffload.apply(next.all(), s, log);
		pumps.uplinks(next);
		sockets = next;
		bound.set(bound.get().withSocket(next.first()));
	}

	private void listenOrSay(TunnelSettings s) {
		try {
			listen(s);
		} catch (IOException e) {
			socketError = e.getMessage();
			log.error("Tunnel not listening: {}", e.getMessage());
		}
	}

	/**
	 * Stops, or, for an update or refresh of this bundle, leaves the pumps forwarding on the open
	 * socket and offers it to the next revision ({@link SocketHandOver}).
	 */
	@Deactivate
	synchronized void deactivate(int reason) throws InterruptedException {
		wasServing = false; // "Tunnel stopped" says it all
		housekeeping.shutdownNow();
		if (pending != null) {
			takeOver();
		}
		if (handedFrom != null) {
			handedFrom.awaitCounted(); // saved again below, with this revision's
		}
		if (sockets != null && InPlaceRestart.due(context, reason)) {
			handingOver = true;
			bound.freeze();
			pumps.freeze();
			SocketHandOver.offer(context, sockets, new SocketHandOver.OldRevision(pumps, control, () -> metrics.save(countersFile, log)), log);
			log.info("Tunnel handing over its sockets and pumps to the next revision");
			return;
		}
		pumps.stopDownlinks();
		pumps.stopUplinks();
		pumps.close();
		if (sockets != null) {
			bound.set(bound.get().withSocket(null));
			sockets.release();
			sockets = null;
		}
		control.shutdown();
		metrics.save(countersFile, log);
		log.info("Tunnel stopped");
	}

	/**
	 * Stops the previous revision's pumps and carries on with its sockets (or new ones), its
	 * counters added when they arrive.
	 */
	private synchronized void takeOver() {
		handedFrom = pending;
		pending = null;
		UplinkSockets taken = handedFrom.takeOver(() -> metrics.restore(countersFile, log));
		pumps.release();
		if (taken != null) {
			int handed = taken.size();
			taken = taken.resized(bound.get().settings(), log);
			serveOn(taken, bound.get().settings()); // receive offload again: its predecessor turned it off
			log.info("Tunnel took over {} from the previous revision", (handed == 1 ? "the socket " : handed + " sockets on ") + taken.first().where());
			log.info("Tunnel listening on {}", taken.describe());
		} else if (bound.get().settings() != null) {
			listenOrSay(bound.get().settings());
		}
		TunDevice tun = bound.get().tun();
		if (tun != null) {
			pumps.downlinks(tun);
		}
		servingChanged();
	}

	// ---- the TUN device

	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
	synchronized void bindTun(TunDevice device) {
		int header = device.offloadHeader();
		if (header != 0 && header != Offload.HEADER) {
			log.error("TUN {} not used: its offload header of {} bytes is not a struct virtio_net_hdr ({} bytes)", device.name(),
					header, Offload.HEADER);
			return;
		}
		bound.set(bound.get().withTun(device));
		leaving.tunReplaced();
		pumps.downlinks(device);
		log.info("Tunnel attached to TUN {} ({} queue(s))", device.name(), device.queues());
		servingChanged();
	}

	synchronized void unbindTun(TunDevice device, Map<String, Object> props) {
		if (handingOver) {
			return; // SCR unbinds after the deactivation: the pumps keep what they had until taken over
		}
		if (bound.get().tun() != device) {
			pumps.quiesceUplinks(); // replaced already, but an uplink's batch may have taken it before
			return;
		}
		if (!leaving.keepTun(device, props)) {
			detachTun(device);
		}
	}

	private void detachTun(TunDevice device) {
		leaving.tunReplaced();
		bound.set(bound.get().withTun(null));
		pumps.detach(); // the uplinks no longer write to it; its downlinks end as it closes
		log.info("Tunnel detached from TUN {}", device.name());
		servingChanged();
	}

	// ---- the services a handshake needs; the tunnel keeps its socket while they are replaced

	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
	synchronized void bindKeyCheck(KeyCheck k) {
		bound.set(bound.get().withKeyCheck(k));
		servingChanged();
	}

	synchronized void unbindKeyCheck(KeyCheck k) {
		if (bound.get().keyCheck() == k) {
			bound.set(bound.get().withKeyCheck(null));
			servingChanged();
		}
	}

	/** Where the pumps report illegal attempts (unknown endpoints, spoofed sources). */
	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
	synchronized void bindSecurityLog(SecurityLog l) {
		bound.set(bound.get().withSecurityLog(l));
	}

	synchronized void unbindSecurityLog(SecurityLog l) {
		if (bound.get().securityLog() == l) {
			bound.set(bound.get().withSecurityLog(null));
		}
	}

	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
	synchronized void bindSessions(SessionManager m) {
		Bindings before = bound.get();
		bound.set(before.withSessions(m));
		leaving.sessionsReplaced();
		if (before.sessionsLeaving()) {
			pumps.quiesceUplinks(); // their batches count on the kept manager's sessions
			Leaving.carryCounts(before.sessions(), m);
		}
		servingChanged();
	}

	synchronized void unbindSessions(SessionManager m, ServiceReference<SessionManager> ref) {
		if (bound.get().sessions() == m && !leaving.keepSessions(ref)) {
			dropSessions();
		}
	}

	private void dropSessions() {
		leaving.sessionsReplaced();
		bound.set(bound.get().withSessions(null));
		servingChanged();
	}

	/** Lets go of a TUN device or session manager kept for an update whose successor did not come. */
	private synchronized void letGoOverdue() {
		TunDevice tun = leaving.overdueTun();
		if (tun != null) {
			detachTun(tun);
		}
		if (leaving.sessionsOverdue()) {
			dropSessions();
		}
	}

	/**
	 * Says when the tunnel starts or stops serving: socket, TUN device, key check and session
	 * manager all present (what "ready" means to an operator, or to a test about to connect).
	 */
	private synchronized void servingChanged() {
		if (pending != null && pending.sockets() != null && bound.get().withSocket(pending.sockets().first()).serving()) {
			takeOver(); // all there: the previous revision's pumps may stop
			return;
		}
		if (handingOver) {
			return; // the next revision says when it serves
		}
		boolean now = serving();
		if (now && !wasServing) {
			log.info("Tunnel serving");
		} else if (!now && wasServing) {
			log.info("Tunnel not serving: {}", bound.get().missing());
		}
		wasServing = now;
	}

	// ---- packet taps (whiteboard)

	@Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
	void bindTap(PacketTap tap, Map<String, Object> props) {
		updatedTap(tap, props);
	}

	synchronized void updatedTap(PacketTap tap, Map<String, Object> props) {
		Object selection = props.get(PacketTap.ADDRESSES);
		tapSelections.put(tap, selection == null ? new String[0] : selection);
		bound.set(bound.get().withTaps(TapSelection.of(tapSelections)));
	}

	synchronized void unbindTap(PacketTap tap) {
		tapSelections.remove(tap);
		bound.set(bound.get().withTaps(TapSelection.of(tapSelections)));
	}

	// ---- housekeeping

	/** The previous revision forwards no longer than this while this one is not serving. */
	private synchronized void takeOverIfLate() {
		if (pending != null && pending.waitedMillis() >= TAKE_OVER_MILLIS) {
			takeOver();
		}
	}

	private void housekeeping() {
		try {
			takeOverIfLate();
			letGoOverdue();
			tick.tick();
		} catch (RuntimeException e) {
			log.error("Tunnel housekeeping failed: {}", e.toString());
		}
	}
}

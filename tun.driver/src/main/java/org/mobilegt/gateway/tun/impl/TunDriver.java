package org.mobilegt.gateway.tun.impl;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.common.LiveConfig;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.mobilegt.gateway.tun.api.TunStatus;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.ComponentConstants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Owns the gateway's TUN device: opens it, brings it up with its MTU, routes the client subnet to
 * it (and with {@code subnet6} gives it the gateway's IPv6 address, see {@link Ipv6Host}), sets up
 * forwarding and masquerading, and registers {@link TunDevice} while all of that holds.
 * Live changes of MTU, subnet and NAT apply in place; a change the system refuses is reported and
 * the previous setting stays. When the device cannot be opened, the component stays active and
 * says why through {@link TunStatus}.
 * <p>
 * When the bundle stops only to start again at once (an update or a refresh, the framework running
 * on), a persistent device is handed over instead of torn down: its open queues ({@link HandOver}),
 * link, route, IPv6 address, forwarding and firewall table stay for the next activation (without a
 * NAT chain the kernel would reset every connection through the gateway), and consumers may keep
 * using it meanwhile ({@link TunDevice#HANDOVER}).
 * <p>
 * Other tables' forward chains with policy drop (Docker, ufw) are looked for at every change and
 * every {@value #BLOCKER_CHECK_SECONDS} s, and reported: the driver never opens holes in them.
 */
@Component(configurationPid = TunConfig.PID, immediate = true)
@Designate(ocd = TunConfig.class)
public final class TunDriver implements TunStatus {

	private final BundleContext context;
	private final Logger log;
	private final HostNetwork host;
	private final Tun.Opener opener;
	private final HandOver handOver;
	private final PeriodicCheck blockerCheck;
	private final Ipv6Host v6;

	// Package-private so that tests can play DS.
	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	volatile EventAdmin events;
	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	volatile ConfigurationAdmin configurationAdmin;

	// Changed only from DS callbacks, which DS serialises; read by status calls from any thread.
	private TunSettings settings;
	private final LiveConfig<TunConfig, TunSettings> live;
	private volatile OpenTun device;
	private ServiceRegistration<TunDevice> registration;
	private Installed link;
	private Installed route;
	private Installed forwarding;
	private Installed firewall;
	private volatile String error;
	private volatile List<String> blockers = List.of();

	static final int BLOCKER_CHECK_SECONDS = 30;

	@Activate
	public TunDriver(BundleContext context, TunConfig config, Map<String, Object> properties,
			@Reference(service = LoggerFactory.class) Logger log) {
		this(context, config, properties, log, HostNetwork.ofSystem(context.getDataFile("").toPath()), LinuxTun::open,
				LinuxTun::adopt, UlaPrefix.inConfigurationDirectory(context.getProperty(UlaPrefix.CONF_PROPERTY), log::info));
	}

	TunDriver(BundleContext context, TunConfig config, Map<String, Object> properties, Logger log, HostNetwork host,
			Tun.Opener opener, Tun.Adopter adopter, UlaPrefix ula) {
		this.context = context;
		this.log = log;
		this.host = host;
		this.opener = opener;
		this.v6 = new Ipv6Host(host, log);
		this.handOver = new HandOver(context, adopter, log);
		this.live = new LiveConfig<>(TunConfig.PID, TunConfig.class, c -> TunSettings.of(c, ula), log, () -> events,
				() -> configurationAdmin);
		modified(config, properties);
		blockerCheck = new PeriodicCheck("mobilegt-tun forward check", this::checkBlockers, BLOCKER_CHECK_SECONDS);
	}

	@Modified
	synchronized void modified(TunConfig config, Map<String, Object> newProperties) {
		TunSettings previous = settings;
		boolean wasUp = device != null;
		live.update(config, newProperties, next -> {
			if (!wasUp) {
				open(next);
			} else if (!next.sameDevice(previous)) {
				reopen(previous, next);
			} else {
				change(previous, next);
			}
			settings = next;
			checkBlockers();
			error = null;
		}, wasUp ? null : e -> {
			error = e.getMessage();
			log.error("TUN device not available: {}", e.getMessage());
		});
	}

	/** {@code reason}: a {@link ComponentConstants} DEACTIVATION_REASON_* value. */
	@Deactivate
	synchronized void deactivate(int reason) {
		blockerCheck.close();
		if (device == null) {
			return;
		}
		if (settings.persist() && handOver.due(reason)) {
			// consumers may keep using the device (TunDevice.HANDOVER); its queues (HandOver), the
			// IPv6 address, forwarding and the records of the original sysctls stay
			if (registration != null) {
				registration.setProperties(device.handingOver());
			}
			unregister();
			firewall = forwarding = route = link = null;
			v6.handOver();
			handOver.leave(device.tun(), settings);
			device = null;
			log.info("TUN {} handed over to the next activation (bundle update): link, route, forwarding and firewall stay",
					settings.name());
		} else {
			close(false);
			log.info("TUN {} closed{}", settings.name(), settings.persist() ? " (the device persists)" : "");
		}
	}

	/**
	 * Opens the device, or takes over the queues handed over. Taken over with the same settings, it
	 * is registered first (forwarding resumes at once) and its set-up, in place, is confirmed after.
	 */
	private void open(TunSettings s) throws IOException {
		HandOver.Adopted adopted = handOver.take(s);
		Tun tun = adopted != null ? adopted.tun() : openDevice(s);
		boolean early = adopted != null && adopted.asBefore();
		if (early) {
			register(tun, s);
		}
		try {
			link = host.linkUp(s.name(), s.mtu());
			route = host.route(s.subnet(), s.name());
			v6.open(s);
			applyFirewall(s);
			if (!s.nat()) {
				undo(forwarding); // kept over a re-open that turned NAT off
				forwarding = null;
			}
			v6.settle(s);
			tun.persist(s.persist());
		} catch (IOException | RuntimeException e) {
			unregister();
			device = null;
			undoAll(false);
			tun.close();
			throw e;
		}
		if (!early) {
			register(tun, s);
		}
		log.info("TUN {} up{}: {}", s.name(), tun.offloadHeader() > 0 ? " with offloads" : "", String.join("; ", installed()));
	}

	private void register(Tun tun, TunSettings s) {
		device = new OpenTun(tun, s.mtu(), s.subnet(), s.subnet6());
		device.blockers(blockers);
		registration = context.registerService(TunDevice.class, device, device.serviceProperties());
	}

	/** Offloads only make it faster: a kernel that refuses them gets a device without. */
	private Tun openDevice(TunSettings s) throws IOException {
		try {
			return opener.open(s.device(), s.name(), s.queues(), s.offload());
		} catch (TunOpenException e) {
			if (!e.offloadsRefused()) {
				throw e;
			}
			log.warn("TUN {} opens without offloads: {}", s.name(), e.getMessage());
			return opener.open(s.device(), s.name(), s.queues(), false);
		}
	}

	/**
	 * Installs the firewall for {@code s}, replacing the current one in place. Forwarding already
	 * turned on by us (a change, a re-open) keeps its record, or tear-down would not set it back.
	 */
	private void applyFirewall(TunSettings s) throws IOException {
		if (s.nat() && forwarding == null) {
			try {
				forwarding = host.forwarding().orElse(null);
			} catch (HostNetwork.ForwardingOff e) {
				log.warn(e.getMessage()); // a non-root service: the package's sysctl.d turns it on
			}
		}
		v6.forwarding(s);
		Installed f = host.firewall(s.firewall());
		if (f == null) {
			host.removeLeftovers(s.name()); // NAT of an earlier run or of a handed-over device
		}
		firewall = f;
	}

	/** Name, queues, persistence or clone path changed: the device must be opened anew. */
	private void reopen(TunSettings previous, TunSettings next) throws IOException {
		close(true);
		try {
			open(next);
		} catch (IOException e) {
			try {
				open(previous);
			} catch (IOException again) {
				log.error("TUN {} could not be restored either: {}", previous.name(), again.getMessage());
				error = again.getMessage();
			}
			throw e;
		}
	}

	/**
	 * Same device: applies MTU, subnet and NAT changes in place. Nothing is removed before its
	 * replacement works (the new route goes in before the old one goes), and when a step fails the
	 * steps before it are taken back, so the device keeps running exactly as before.
	 */
	private void change(TunSettings previous, TunSettings next) throws IOException {
		boolean subnetChanged = !next.subnet().equals(previous.subnet());
		boolean subnet6Changed = !next.subnet6().equals(previous.subnet6());
		boolean firewallChanged = !next.firewall().equals(previous.firewall());
		Deque<Installed> takeBack = new ArrayDeque<>();
		Installed newRoute = null;
		try {
			if (next.mtu() != previous.mtu()) {
				setMtu(next);
				takeBack.push(new Installed("the MTU change to " + next.mtu(), () -> host.setMtu(previous.name(), previous.mtu())));
			}
			if (subnetChanged) {
				newRoute = host.route(next.subnet(), next.name());
				takeBack.push(newRoute);
			}
			if (subnet6Changed) {
				takeBack.push(v6.stage(next)); // the new address beside the old one
			}
			if (firewallChanged) {
				// replaced in one step, never removed first: no moment without NAT or isolation
				takeBack.push(new Installed("the firewall change", () -> restoreFirewall(previous)));
				applyFirewall(next);
			}
		} catch (IOException | RuntimeException e) {
			for (Installed step : takeBack) {
				undo(step);
			}
			throw e;
		}
		if (subnetChanged) {
			undo(route);
			route = newRoute;
		}
		if (subnet6Changed) {
			v6.commit();
		}
		if (!next.nat()) {
			undo(forwarding);
			forwarding = null;
		}
		v6.settle(next);
		device.settings(next.mtu(), next.subnet(), next.subnet6());
		registration.setProperties(device.serviceProperties());
	}

	private void setMtu(TunSettings next) {
		try {
			host.setMtu(next.name(), next.mtu());
		} catch (IOException e) {
			throw new ConfigValueException(TunConfig.PID, "mtu", next.mtu(), "was refused by the kernel: " + e.getMessage());
		}
	}

	private void restoreFirewall(TunSettings previous) throws IOException {
		applyFirewall(previous);
		if (!previous.nat()) {
			undo(forwarding);
			forwarding = null;
		}
		v6.settle(previous);
	}

	/** {@code keepForwarding}: for a re-open, which must not switch forwarding off for a moment. */
	private void close(boolean keepForwarding) {
		unregister(); // consumers unbind and stop using the device first
		Installed keep = keepForwarding ? forwarding : null;
		if (keepForwarding) {
			forwarding = null;
		}
		undoAll(keepForwarding);
		forwarding = keep;
		device.tun().close();
		device = null;
	}

	private void unregister() {
		if (registration != null) {
			registration.unregister();
			registration = null;
		}
	}

	private void undoAll(boolean keepForwarding6) {
		undo(firewall);
		undo(forwarding);
		v6.close(keepForwarding6);
		undo(route);
		undo(link);
		firewall = forwarding = route = link = null;
	}

	/** Looks for other tables' forward chains that drop; says so when that changes. */
	synchronized void checkBlockers() {
		List<String> now = List.of();
		if (device != null) {
			try {
				now = host.forwardBlockers(settings.name());
			} catch (IOException e) {
				log.debug("Cannot list the forward chains: {}", e.getMessage());
				return;
			}
		}
		if (now.equals(blockers)) {
			return;
		}
		blockers = now;
		if (!now.isEmpty()) {
			log.warn("Client traffic from {} may be dropped: forward chain {} has policy drop; accept the client subnet there",
					settings.subnet(), String.join(", ", now));
		} else if (device != null) {
			log.info("No other forward chain drops client traffic any more");
		}
		if (registration != null) {
			device.blockers(now);
			registration.setProperties(device.serviceProperties());
		}
	}

	private void undo(Installed item) {
		Installed.undo(item, log);
	}

	@Override
	public boolean up() {
		return device != null;
	}

	@Override
	public synchronized String summary() {
		OpenTun d = device;
		if (d != null) {
			return d.summary(settings, firewall != null, blockers);
		}
		return "no TUN device: " + (error == null ? "not configured" : error);
	}

	@Override
	public List<String> forwardBlockers() {
		return blockers;
	}

	@Override
	public String error() {
		return error;
	}

	@Override
	public synchronized List<String> installed() {
		List<String> items = new ArrayList<>();
		for (Installed i : new Installed[] { link, route, forwarding, firewall }) {
			if (i != null) {
				items.add(i.description());
			}
		}
		v6.installed().forEach(i -> items.add(i.description()));
		return items;
	}
}

package org.mobilegt.gateway.tun.impl;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.mobilegt.gateway.common.ConfigRejection;
import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.mobilegt.gateway.tun.api.TunStatus;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.startlevel.BundleStartLevel;
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
 * it, sets up forwarding and masquerading, and registers {@link TunDevice} while all of that holds.
 * Live changes of MTU, subnet and NAT apply in place; a change the system refuses is reported and
 * the previous setting stays. When the device cannot be opened, the component stays active and
 * says why through {@link TunStatus}.
 * <p>
 * When the bundle stops only to start again at once (an update or a refresh, the framework running
 * on), a persistent device is handed over instead of torn down: link, route and NAT stay for the
 * next activation, which takes them over in place. Removing the NAT table for that moment would
 * break every connection through the gateway: without any NAT chain in the namespace the kernel
 * stops translating replies of existing connections, and answers them with resets.
 */
@Component(configurationPid = TunConfig.PID, immediate = true)
@Designate(ocd = TunConfig.class)
public final class TunDriver implements TunStatus {

	private final BundleContext context;
	private final Logger log;
	private final HostNetwork host;
	private final Tun.Opener opener;

	// Package-private so that tests can play DS.
	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	volatile EventAdmin events;
	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	volatile ConfigurationAdmin configurationAdmin;

	// Changed only from DS callbacks, which DS serialises; read by status calls from any thread.
	private TunSettings settings;
	private Map<String, Object> properties;
	private volatile OpenTun device;
	private ServiceRegistration<TunDevice> registration;
	private Installed link;
	private Installed route;
	private Installed forwarding;
	private Installed nat;
	private volatile String error;

	@Activate
	public TunDriver(BundleContext context, TunConfig config, Map<String, Object> properties,
			@Reference(service = LoggerFactory.class) Logger log) {
		this(context, config, properties, log, new HostNetwork(new Commands()), LinuxTun::open);
	}

	TunDriver(BundleContext context, TunConfig config, Map<String, Object> properties, Logger log, HostNetwork host,
			Tun.Opener opener) {
		this.context = context;
		this.log = log;
		this.host = host;
		this.opener = opener;
		modified(config, properties);
	}

	@Modified
	synchronized void modified(TunConfig config, Map<String, Object> newProperties) {
		TunSettings previous = settings;
		boolean wasUp = device != null;
		try {
			TunSettings next = TunSettings.of(config);
			if (!wasUp) {
				open(next);
			} else if (!next.sameDevice(previous)) {
				reopen(previous, next);
			} else {
				change(previous, next);
			}
			settings = next;
			Map<String, Object> previousProperties = properties;
			properties = newProperties;
			error = null;
			ConfigRejection.applied(events, TunConfig.PID, previousProperties, newProperties);
		} catch (ConfigValueException | IOException e) {
			if (wasUp) {
				ConfigRejection.rejected(log, events, configurationAdmin, TunConfig.PID, TunConfig.class, properties, e);
			} else {
				settings = previous;
				error = e.getMessage();
				log.error("TUN device not available: {}", e.getMessage());
			}
		}
	}

	/** {@code reason}: a {@link ComponentConstants} DEACTIVATION_REASON_* value. */
	@Deactivate
	synchronized void deactivate(int reason) {
		if (device == null) {
			return;
		}
		if (settings.persist() && reason == ComponentConstants.DEACTIVATION_REASON_BUNDLE_STOPPED && bundleRestarting()) {
			handOver();
			log.info("TUN {} handed over to the next activation (bundle update): link, route and NAT stay", settings.name());
		} else {
			close();
			log.info("TUN {} closed{}", settings.name(), settings.persist() ? " (the device persists)" : "");
		}
	}

	/**
	 * The bundle stops but stays marked for start, and the framework runs on: an update or a
	 * refresh, not an operator's stop or uninstall (those clear the mark first) nor a shutdown.
	 */
	private boolean bundleRestarting() {
		return context.getBundle(Constants.SYSTEM_BUNDLE_ID).getState() == Bundle.ACTIVE
				&& context.getBundle().adapt(BundleStartLevel.class).isPersistentlyStarted();
	}

	private void open(TunSettings s) throws IOException {
		Tun tun = openDevice(s);
		try {
			link = host.linkUp(s.name(), s.mtu());
			route = host.route(s.subnet(), s.name());
			if (s.nat()) {
				startNat(s);
			} else {
				host.removeLeftovers(s.name()); // NAT of an earlier run or of a handed-over device
			}
			tun.persist(s.persist());
		} catch (IOException | RuntimeException e) {
			undoAll();
			tun.close();
			throw e;
		}
		device = new OpenTun(tun, s.mtu(), s.subnet());
		registration = context.registerService(TunDevice.class, device, device.serviceProperties());
		log.info("TUN {} up{}: {}", s.name(), tun.offloadHeader() > 0 ? " with offloads" : "", String.join("; ", installed()));
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

	private void startNat(TunSettings s) throws IOException {
		if (forwarding == null) {
			// On a restart of NAT (new egress or subnet) forwarding is already on, by us: keep the
			// record of it, or tear-down would not set ip_forward back.
			try {
				forwarding = host.forwarding().orElse(null);
			} catch (HostNetwork.ForwardingOff e) {
				log.warn(e.getMessage());
			}
		}
		String egress = s.egress();
		if (egress.equals(TunSettings.AUTO)) {
			Optional<String> dev = host.defaultRouteDevice();
			if (dev.isEmpty()) {
				log.warn("No default route: masquerading {} out of any interface but {}", s.subnet(), s.name());
			}
			egress = dev.orElse(null);
		}
		nat = host.masquerade(s.name(), s.subnet(), egress);
	}

	/** Name, queues, persistence or clone path changed: the device must be opened anew. */
	private void reopen(TunSettings previous, TunSettings next) throws IOException {
		close();
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
		boolean natChanged = subnetChanged || next.nat() != previous.nat() || !next.egress().equals(previous.egress());
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
			if (natChanged) {
				undo(nat);
				nat = null;
				takeBack.push(new Installed("the NAT change", () -> restoreNat(previous)));
				if (next.nat()) {
					startNat(next);
				}
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
		if (!next.nat()) {
			undo(forwarding);
			forwarding = null;
		}
		device.settings(next.mtu(), next.subnet());
		registration.setProperties(device.serviceProperties());
	}

	private void setMtu(TunSettings next) {
		try {
			host.setMtu(next.name(), next.mtu());
		} catch (IOException e) {
			throw new ConfigValueException(TunConfig.PID, "mtu", next.mtu(), "was refused by the kernel: " + e.getMessage());
		}
	}

	private void restoreNat(TunSettings previous) throws IOException {
		undo(nat);
		nat = null;
		if (previous.nat()) {
			startNat(previous);
		} else {
			undo(forwarding);
			forwarding = null;
		}
	}

	private void close() {
		if (registration != null) {
			registration.unregister(); // consumers unbind and stop using the device first
			registration = null;
		}
		undoAll();
		device.tun().close();
		device = null;
	}

	/**
	 * Closes the device for the next activation to take over: consumers stop using it first, and
	 * ip_forward goes back (this activation's record of it would be lost), the rest stays.
	 */
	private void handOver() {
		registration.unregister();
		registration = null;
		undo(forwarding);
		nat = forwarding = route = link = null;
		device.tun().close();
		device = null;
	}

	private void undoAll() {
		undo(nat);
		undo(forwarding);
		undo(route);
		undo(link);
		nat = forwarding = route = link = null;
	}

	private void undo(Installed item) {
		if (item != null) {
			try {
				item.undo().run();
			} catch (IOException e) {
				log.warn("Could not take back {}: {}", item.description(), e.getMessage());
			}
		}
	}

	@Override
	public boolean up() {
		return device != null;
	}

	@Override
	public synchronized String summary() {
		OpenTun d = device;
		if (d != null) {
			return d.name() + " up, mtu " + d.mtu() + ", " + d.queues() + " queue(s), subnet " + d.subnet()
					+ (nat != null ? ", NAT on" : ", NAT off") + (d.offloadHeader() > 0 ? ", offloads on" : "");
		}
		return "no TUN device: " + (error == null ? "not configured" : error);
	}

	@Override
	public String error() {
		return error;
	}

	@Override
	public synchronized List<String> installed() {
		List<String> items = new ArrayList<>();
		for (Installed i : new Installed[] { link, route, forwarding, nat }) {
			if (i != null) {
				items.add(i.description());
			}
		}
		return items;
	}
}

package org.mobilegt.gateway.tun.impl;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.mobilegt.gateway.common.ConfigRejection;
import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.mobilegt.gateway.tun.api.TunStatus;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
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
 */
@Component(configurationPid = TunConfig.PID, immediate = true)
@Designate(ocd = TunConfig.class)
public final class TunDriver implements TunStatus {

	private final BundleContext context;
	private final Logger log;
	private final HostNetwork host;

	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	private volatile EventAdmin events;
	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	private volatile ConfigurationAdmin configurationAdmin;

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
		this(context, config, properties, log, new HostNetwork(new Commands()));
	}

	TunDriver(BundleContext context, TunConfig config, Map<String, Object> properties, Logger log, HostNetwork host) {
		this.context = context;
		this.log = log;
		this.host = host;
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
			properties = newProperties;
			error = null;
			ConfigRejection.applied(events, TunConfig.PID);
		} catch (ConfigValueException | IOException e) {
			if (wasUp) {
				ConfigRejection.rejected(log, events, configurationAdmin, TunConfig.PID, properties, e);
			} else {
				settings = previous;
				error = e.getMessage();
				log.error("TUN device not available: {}", e.getMessage());
			}
		}
	}

	@Deactivate
	synchronized void deactivate() {
		if (device != null) {
			close();
			log.info("TUN {} closed{}", settings.name(), settings.persist() ? " (the device persists)" : "");
		}
	}

	private void open(TunSettings s) throws IOException {
		LinuxTun tun = LinuxTun.open(s.device(), s.name(), s.queues());
		try {
			link = host.linkUp(s.name(), s.mtu());
			route = host.route(s.subnet(), s.name());
			if (s.nat()) {
				startNat(s);
			}
			tun.persist(s.persist());
		} catch (IOException | RuntimeException e) {
			undoAll();
			tun.close();
			throw e;
		}
		device = new OpenTun(tun, s.mtu(), s.subnet());
		registration = context.registerService(TunDevice.class, device, device.serviceProperties());
		log.info("TUN {} up: {}", s.name(), String.join("; ", installed()));
	}

	private void startNat(TunSettings s) throws IOException {
		forwarding = host.forwarding().orElse(null);
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

	/** Same device: apply MTU, subnet and NAT changes in place. */
	private void change(TunSettings previous, TunSettings next) throws IOException {
		if (next.mtu() != previous.mtu()) {
			try {
				host.setMtu(next.name(), next.mtu());
			} catch (IOException e) {
				throw new ConfigValueException(TunConfig.PID, "mtu", next.mtu(), "was refused by the kernel: " + e.getMessage());
			}
		}
		boolean subnetChanged = !next.subnet().equals(previous.subnet());
		if (subnetChanged) {
			Installed newRoute = host.route(next.subnet(), next.name());
			undo(route);
			route = newRoute;
		}
		if (subnetChanged || next.nat() != previous.nat() || !Objects.equals(next.egress(), previous.egress())) {
			undo(nat);
			nat = null;
			if (!next.nat()) {
				undo(forwarding);
				forwarding = null;
			} else {
				startNat(next);
			}
		}
		device.settings(next.mtu(), next.subnet());
		registration.setProperties(device.serviceProperties());
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
				log.warn("Could not remove {}: {}", item.description(), e.getMessage());
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
					+ (nat != null ? ", NAT on" : ", NAT off");
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

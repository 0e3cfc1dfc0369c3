package org.mobilegt.gateway.radius.impl;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;

import org.mobilegt.gateway.auth.api.KeyCheck;
import org.mobilegt.gateway.common.LiveConfig;
import org.mobilegt.gateway.security.api.SecurityLog;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
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
 * Switches RADIUS on and off: while {@code servers} is set it registers a {@link RadiusKeyCheck}
 * as the {@link KeyCheck} with a higher service ranking than auth.keycheck's, so the tunnel (which
 * follows the best-ranked one) asks RADIUS; emptied, or the bundle stopped, the registration goes
 * and the tunnel falls back to the gateway's own keys. Sessions are not touched either way.
 */
@Component(immediate = true, service = RadiusAuth.class, configurationPid = RadiusConfig.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = RadiusConfig.class)
public final class RadiusAuth {

	/** Above auth.keycheck's default ranking of 0. */
	static final int RANKING = 100;

	private final BundleContext context;
	private final Logger log;
	private final KeyCheck local;
	private final SecurityLog attempts;
	private final Granted granted = new Granted();
	private final Accounting accounting;
	private RadiusSettings settings;
	private final LiveConfig<RadiusConfig, RadiusSettings> live;
	private RadiusServers servers;
	private RadiusKeyCheck check;
	private ServiceRegistration<KeyCheck> registration;

	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	volatile EventAdmin events;
	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	volatile ConfigurationAdmin configurationAdmin;

	@Activate
	public RadiusAuth(BundleContext context, RadiusConfig config, Map<String, Object> properties,
			@Reference(target = "(component.name=org.mobilegt.gateway.auth.impl.SharedKeyCheck)") KeyCheck local,
			@Reference SecurityLog attempts, @Reference(service = LoggerFactory.class) Logger log) {
		this.context = context;
		this.log = log;
		this.local = local;
		this.attempts = attempts;
		this.live = new LiveConfig<>(RadiusConfig.PID, RadiusConfig.class, RadiusSettings::of, log, () -> events,
				() -> configurationAdmin);
		java.io.File data = context.getDataFile("accounting-stops");
		this.accounting = new Accounting(data == null ? null : data.toPath(), log);
		modified(config, properties);
	}

	@Modified
	synchronized void modified(RadiusConfig config, Map<String, Object> newProperties) {
		live.update(config, newProperties, this::use);
	}

	private void use(RadiusSettings next) {
		stop();
		settings = next;
		if (next.active()) {
			servers = new RadiusServers(next, log);
			check = new RadiusKeyCheck(next, servers, local, attempts, granted, log);
			Dictionary<String, Object> props = new Hashtable<>();
			props.put(Constants.SERVICE_RANKING, RANKING);
			props.put("mobilegt.auth", "radius");
			registration = context.registerService(KeyCheck.class, check, props);
			accounting.use(servers, next);
			if (next.accounting()) {
				accounting.sendOnce(AcctRecord.onOff(AcctRecord.ON, System.currentTimeMillis()));
			}
			log.info("RADIUS authentication on: servers {}, NAS-Identifier {}, when unreachable: {}", next.servers(),
					next.nasIdentifier(), next.localWhenUnreachable() ? "local keys" : "reject");
		} else {
			log.info("RADIUS off ({} servers is empty): the gateway's own keys decide", RadiusConfig.PID);
		}
	}

	/** Withdraws the RADIUS key check: the tunnel re-binds to auth.keycheck at once. */
	private void stop() {
		if (servers != null && settings.accounting()) {
			accounting.sendOnce(AcctRecord.onOff(AcctRecord.OFF, System.currentTimeMillis()));
		}
		accounting.use(null, null);
		if (registration != null) {
			registration.unregister();
			registration = null;
			log.info("RADIUS authentication off: handing back to the gateway's own keys");
		}
		if (check != null) {
			check.close();
			check = null;
		}
		if (servers != null) {
			servers.close();
			servers = null;
		}
	}

	synchronized RadiusSettings settings() {
		return settings;
	}

	Granted granted() {
		return granted;
	}

	synchronized RadiusServers servers() {
		return servers;
	}

	Accounting accounting() {
		return accounting;
	}

	@Deactivate
	synchronized void deactivate() {
		stop();
		accounting.close();
	}
}

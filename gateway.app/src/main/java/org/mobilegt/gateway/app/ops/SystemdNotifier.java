package org.mobilegt.gateway.app.ops;

import java.io.IOException;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * Readiness and watchdog for systemd ({@code Type=notify}, {@code WatchdogSec=}) when it started
 * the gateway with {@code $NOTIFY_SOCKET}; nothing at all otherwise (plain {@code java -jar}).
 * {@code STOPPING=1} only when the framework itself stops: a restart of this bundle (an operator's
 * update) is no shutdown of the service.
 */
@Component(immediate = true)
public final class SystemdNotifier {

	private final BundleContext context;
	private final ServiceNotifier notifier;

	@Activate
	public SystemdNotifier(BundleContext context, @Reference Operations ops, @Reference(service = LoggerFactory.class) Logger log) {
		this.context = context;
		ServiceNotifier n = null;
		try {
			SdNotify notify = SdNotify.fromEnvironment(System.getenv());
			if (notify != null) {
				long watchdog = ServiceNotifier.watchdogMicros(System.getenv(), ProcessHandle.current().pid());
				n = new ServiceNotifier(notify, () -> Health.of(ops.status(), Health.forwarding(Health.IP_FORWARD)), watchdog,
						log::warn);
				log.info("systemd notifications to {}, watchdog {}", notify.name(),
						watchdog > 0 ? "every " + watchdog / 2_000 + " ms while healthy" : "off");
			}
		} catch (IOException | RuntimeException | LinkageError e) {
			log.error("systemd notifications off: {}", e.toString());
		}
		this.notifier = n;
	}

	@Deactivate
	void deactivate() {
		if (notifier != null) {
			notifier.close(context.getBundle(0).getState() == Bundle.STOPPING);
		}
	}
}

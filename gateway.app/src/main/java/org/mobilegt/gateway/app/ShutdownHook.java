package org.mobilegt.gateway.app;

import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.launch.Framework;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * Stops the framework cleanly when the JVM is asked to end (SIGTERM from systemd or kill, Ctrl-C
 * when headless), so every component deactivates and the TUN driver removes its routes and NAT
 * rules instead of leaving them behind.
 */
@Component(immediate = true)
public final class ShutdownHook {

	private static final long STOP_TIMEOUT_MILLIS = 20_000;

	private final Thread hook;

	@Activate
	public ShutdownHook(BundleContext context, @Reference(service = LoggerFactory.class) Logger log) {
		Framework framework = (Framework) context.getBundle(0);
		hook = new Thread(() -> {
			try {
				log.info("Shutting down");
				framework.stop();
				framework.waitForStop(STOP_TIMEOUT_MILLIS);
			} catch (BundleException | InterruptedException | IllegalStateException e) {
				// the JVM ends anyway; nothing else can be done here
			}
		}, "mobilegt-shutdown");
		Runtime.getRuntime().addShutdownHook(hook);
	}

	@Deactivate
	void deactivate() {
		try {
			Runtime.getRuntime().removeShutdownHook(hook);
		} catch (IllegalStateException e) {
			// the JVM is already shutting down: this very hook is stopping the framework
		}
	}
}

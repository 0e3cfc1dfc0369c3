package org.mobilegt.gateway.common;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.service.component.ComponentConstants;

/**
 * Whether a bundle stops only to start again at once: an update or a refresh, the framework running
 * on. Not an operator's stop or an uninstall (they clear the bundle's start mark first), nor a
 * shutdown. The one rule for everything that keeps forwarding going through an update: tun.driver's
 * TUN queues, tunnel.udp's socket, the tunnel keeping a session manager that is being updated.
 */
public final class InPlaceRestart {

	private InPlaceRestart() {
	}

	/** Whether the deactivation of a component of {@code context}'s bundle for {@code reason} is one. */
	public static boolean due(BundleContext context, int reason) {
		return reason == ComponentConstants.DEACTIVATION_REASON_BUNDLE_STOPPED && restarting(context, context.getBundle());
	}

	/** Whether {@code bundle}, while it stops, will start again at once ({@code context}: any bundle's). */
	public static boolean restarting(BundleContext context, Bundle bundle) {
		return context.getBundle(Constants.SYSTEM_BUNDLE_ID).getState() == Bundle.ACTIVE
				&& bundle.adapt(BundleStartLevel.class).isPersistentlyStarted();
	}
}

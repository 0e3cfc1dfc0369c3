package org.mobilegt.gateway.tun.api;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The TUN driver's health, registered whether or not the device could be opened, so that
 * operators see why the tunnel has no device.
 */
@ProviderType
public interface TunStatus {

	/** True when the device is open, up and routed. */
	boolean up();

	/** One line for operators: the device and its settings, or the reason it is not up. */
	String summary();

	/** The last error, or {@code null} when there is none. */
	String error();

	/**
	 * Other tables' forward-hook chains with policy drop ("ip filter FORWARD"), which drop client
	 * traffic they do not accept themselves: the driver reports them and never changes them. Also
	 * named in {@link #summary()}.
	 */
	List<String> forwardBlockers();

	/** What the driver added to the system (routes, NAT rules, sysctls), one item per line. */
	List<String> installed();
}

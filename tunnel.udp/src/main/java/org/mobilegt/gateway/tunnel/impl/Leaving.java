package org.mobilegt.gateway.tunnel.impl;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.mobilegt.gateway.common.InPlaceRestart;
import org.mobilegt.gateway.session.api.Session;
import org.mobilegt.gateway.session.api.SessionManager;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.log.Logger;

/**
 * The TUN device and session manager that the tunnel keeps using while their bundle is updated,
 * until the successor binds (at most {@link #GRACE_NANOS}): dropping them at the unbind would
 * silence forwarding for the whole update (~50-100 ms). A TUN device says itself that it stays
 * usable ({@link TunDevice#HANDOVER}); a session manager leaving for an update keeps serving
 * lookups of the sessions it had, and takes no new ones (the tunnel sends it no handshake). Called
 * under the server's lock.
 */
final class Leaving {

	/** Less than {@link TunDevice#HANDOVER_MILLIS}: the tunnel lets go before the device refuses calls. */
	static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);

	private final BundleContext context;
	private final Bindings.Cell bound;
	private final Logger log;
	private TunDevice tun;
	private long tunSince;
	private boolean sessions;
	private long sessionsSince;

	Leaving(BundleContext context, Bindings.Cell bound, Logger log) {
		this.context = context;
		this.bound = bound;
		this.log = log;
	}

	/** Whether the unbound {@code device} (with its service properties) is kept until its successor binds. */
	boolean keepTun(TunDevice device, Map<String, ?> props) {
		if (props == null || !Boolean.TRUE.equals(props.get(TunDevice.HANDOVER))) {
			return false;
		}
		tun = device;
		tunSince = System.nanoTime();
		log.info("Tunnel keeps TUN {} in use while its driver is updated", device.name());
		return true;
	}

	/**
	 * Whether the unbound session manager of {@code ref} is kept (it takes no handshakes then): its
	 * bundle stops only to start again at once (an update or a refresh: still marked for start, the
	 * framework running on).
	 */
	boolean keepSessions(ServiceReference<?> ref) {
		Bundle b = ref == null ? null : ref.getBundle();
		if (b == null || b.getState() != Bundle.STOPPING || !InPlaceRestart.restarting(context, b)) {
			return false;
		}
		sessions = true;
		sessionsSince = System.nanoTime();
		bound.set(bound.get().withSessionsLeaving());
		log.info("Tunnel keeps forwarding for the sessions of the session manager while it is updated");
		return true;
	}

	/**
	 * Gives each session of {@code successor} what the same session (by id) counted in the kept
	 * manager {@code kept} after the kept one saved its state for the successor.
	 */
	static void carryCounts(SessionManager kept, SessionManager successor) {
		Map<Long, Session> earlier = new HashMap<>();
		for (Session s : kept.sessions()) {
			earlier.put(s.id(), s);
		}
		for (Session s : successor.sessions()) {
			Session e = earlier.get(s.id());
			if (e != null) {
				s.carry(e);
			}
		}
	}

	/** A successor (or nothing) took the place of the kept one: nothing to let go of any more. */
	void tunReplaced() {
		tun = null;
	}

	void sessionsReplaced() {
		sessions = false;
	}

	/** The device kept for longer than the grace (its successor did not come), or null. */
	TunDevice overdueTun() {
		if (tun == null || System.nanoTime() - tunSince <= GRACE_NANOS) {
			return null;
		}
		log.warn("TUN {} kept for its driver's update, but no successor came", tun.name());
		return tun;
	}

	/** Whether the session manager kept is overdue (its successor did not come). */
	boolean sessionsOverdue() {
		if (!sessions || System.nanoTime() - sessionsSince <= GRACE_NANOS) {
			return false;
		}
		log.warn("Session manager kept for its update, but no successor came");
		return true;
	}
}

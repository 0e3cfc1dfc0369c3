package org.mobilegt.gateway.tunnel.impl;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;

import org.mobilegt.gateway.common.Daemons;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.log.Logger;

/**
 * The old revision's side of a hand-over of tunnel.udp across its own update ("make before
 * break"): its pumps go on forwarding on the open socket until the next revision, ready to serve,
 * takes the socket's descriptor ({@link #applyAsInt}). The two revisions share no classes, so the
 * offer is a service of a JDK type, registered through the system bundle (it outlives this
 * revision), its properties naming the socket.
 * <p>
 * Taking over stops the uplink at once and returns the descriptor; the downlinks end on their own
 * (after their next read) and only then are the counters saved and the given callback run, so the
 * next revision restores them once, complete. Nobody taking over within {@link #GIVE_UP_MILLIS}:
 * this revision stops and closes the socket as an ordinary stop does. One lock decides which of
 * the two happens.
 */
final class SocketHandOver implements ToIntFunction<Runnable> {

	/** The service property that marks the offer; its value names the bundle. */
	static final String KEY = "mobilegt.handover";
	static final String TUNNEL = "tunnel.udp";
	static final String FD = KEY + ".fd";
	static final String BIND = KEY + ".bind";
	static final String PORT = KEY + ".port";
	static final String FILTER = "(" + KEY + "=" + TUNNEL + ")";
	static final long GIVE_UP_MILLIS = 3000;

	/**
	 * What the old revision does when leaving, on the taker's or the timer's thread: its pumps are
	 * frozen ({@link Pumps#freeze}), so without the server's lock.
	 */
	static class OldRevision {
		private final Pumps pumps;
		private final Control control;
		private final Runnable save;

		OldRevision(Pumps pumps, Control control, Runnable save) {
			this.pumps = pumps;
			this.control = control;
			this.save = save;
		}

		/** Stops the uplink (woken through the socket's wakeup) and waits until it ended. */
		void stopUplink() {
			pumps.stopUplink();
		}

		/** Stops the downlinks (each after its next read) and control workers, waiting (bounded) until they ended. */
		void stopRest() {
			pumps.stopDownlinks();
			pumps.close();
			try {
				control.shutdown();
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}

		/** Saves the counters for the next revision. */
		void save() {
			save.run();
		}
	}

	private final UdpSocket socket;
	private final OldRevision old;
	private final Logger log;
	private final ScheduledExecutorService timer = Daemons.scheduler("mobilegt-tunnel-handover");
	private final ScheduledFuture<?> deadline;
	private final Object lock = new Object();
	private boolean decided;
	private Runnable unregister = () -> {
	};

	SocketHandOver(UdpSocket socket, OldRevision old, Logger log) {
		this.socket = socket;
		this.old = old;
		this.log = log;
		deadline = timer.schedule(this::giveUp, GIVE_UP_MILLIS, TimeUnit.MILLISECONDS);
	}

	/** Offers the socket of {@code settings} to the next revision, through the system bundle. */
	static SocketHandOver offer(BundleContext context, UdpSocket socket, OldRevision old, Logger log) {
		SocketHandOver offer = new SocketHandOver(socket, old, log);
		Dictionary<String, Object> props = new Hashtable<>();
		props.put(KEY, TUNNEL);
		props.put(FD, socket.fd());
		props.put(BIND, socket.bindAddress().getHostAddress());
		props.put(PORT, socket.port());
		BundleContext system = context.getBundle(Constants.SYSTEM_BUNDLE_ID).getBundleContext();
		ServiceRegistration<?> registration = system.registerService(ToIntFunction.class.getName(), offer, props);
		offer.registered(registration::unregister);
		return offer;
	}

	private void registered(Runnable unregistration) {
		synchronized (lock) {
			unregister = unregistration;
			if (decided) {
				unregister(); // given up already
			}
		}
	}

	/**
	 * Takes the socket over: the uplink stops, the descriptor is returned (the caller's now) and
	 * {@code counted} runs once the other pumps ended and their counters are saved; -1 when the
	 * offer is gone (given up: the counters are saved then, and the socket is closed).
	 */
	@Override
	public int applyAsInt(Runnable counted) {
		synchronized (lock) {
			if (decided) {
				return -1;
			}
			decided = true;
			deadline.cancel(false);
			old.stopUplink();
			socket.receiveOffload(false); // a revision that cannot take merged datagrams apart gets none; one that can sets it again
			socket.handOff();
		}
		timer.execute(() -> {
			old.stopRest();
			old.save();
			try {
				counted.run();
			} catch (RuntimeException e) {
				log.error("The next tunnel did not take the counters: {}", e.toString());
			}
			log.info("Tunnel stopped: the next revision took over");
			unregister(); // the last step: once withdrawn, this revision is done
			timer.shutdown();
		});
		return socket.fd();
	}

	/** Nobody took over in time: stops as an ordinary stop does. */
	void giveUp() {
		synchronized (lock) {
			if (decided) {
				return;
			}
			decided = true;
			deadline.cancel(false);
			log.info("Tunnel stopped: not taken over within {} ms", GIVE_UP_MILLIS);
			old.stopUplink();
			old.stopRest();
			socket.release();
			old.save();
			unregister();
		}
		timer.shutdown();
	}

	private void unregister() {
		try {
			unregister.run();
		} catch (IllegalStateException e) {
			// unregistered already (the framework stopping)
		}
	}
}

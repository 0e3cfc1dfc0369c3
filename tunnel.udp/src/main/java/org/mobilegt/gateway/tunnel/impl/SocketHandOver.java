package org.mobilegt.gateway.tunnel.impl;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
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
 * Taking over stops the uplinks at once and returns the first socket's descriptor (the others, named
 * in {@link #FDS}, go with it); the downlinks end on their own
 * (after their next read) and only then are the counters saved and the given callback run, so the
 * next revision restores them once, complete. Nobody taking over within {@link #GIVE_UP_MILLIS}:
 * this revision stops and closes the socket as an ordinary stop does. One lock decides which of
 * the two happens.
 */
final class SocketHandOver implements ToIntFunction<Runnable> {

	/** The service property that marks the offer; its value names the bundle. */
	static final String KEY = "mobilegt.handover";
	static final String TUNNEL = "tunnel.udp";
	/** The first socket's descriptor, the one {@link #applyAsInt} returns: all a revision with one socket knew. */
	static final String FD = KEY + ".fd";
	/** Every socket's descriptor ({@link UplinkSockets}), the first one first. */
	static final String FDS = KEY + ".fds";
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

		/** Stops the uplinks (woken through their sockets' wakeups) and waits until they ended. */
		void stopUplinks() {
			pumps.stopUplinks();
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

	private final UplinkSockets sockets;
	private final OldRevision old;
	private final Logger log;
	private final ScheduledExecutorService timer = Daemons.scheduler("mobilegt-tunnel-handover");
	private final ScheduledFuture<?> deadline;
	private final Object lock = new Object();
	private boolean decided;
	private Runnable unregister = () -> {
	};

	SocketHandOver(UplinkSockets sockets, OldRevision old, Logger log) {
		this.sockets = sockets;
		this.old = old;
		this.log = log;
		deadline = timer.schedule(this::giveUp, GIVE_UP_MILLIS, TimeUnit.MILLISECONDS);
	}

	/** Offers {@code sockets} to the next revision, through the system bundle. */
	static SocketHandOver offer(BundleContext context, UplinkSockets sockets, OldRevision old, Logger log) {
		SocketHandOver offer = new SocketHandOver(sockets, old, log);
		Dictionary<String, Object> props = new Hashtable<>();
		props.put(KEY, TUNNEL);
		props.put(FD, sockets.first().fd());
		props.put(FDS, sockets.fds());
		props.put(BIND, sockets.first().bindAddress().getHostAddress());
		props.put(PORT, sockets.first().port());
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
	 * Takes the sockets over: the uplinks stop, the first descriptor is returned (the caller's now) and
	 * {@code counted} runs once the other pumps ended and their counters are saved; -1 when the
	 * offer is gone (given up: the counters are saved then, and the socket is closed). The others
	 * ({@link #FDS}) are the caller's too when {@code counted} is a {@link BooleanSupplier} that
	 * says true ({@link Predecessor}); else the caller is a revision that knows only {@link #FD},
	 * and they are closed, so that none stays on the port unread.
	 */
	@Override
	public int applyAsInt(Runnable counted) {
		synchronized (lock) {
			if (decided) {
				return -1;
			}
			decided = true;
			deadline.cancel(false);
			old.stopUplinks();
			for (UdpSocket socket : sockets.all()) {
				socket.receiveOffload(false); // a revision that cannot take merged datagrams apart gets none; one that can sets it again
			}
			LeaseSteering.detach(sockets.first()); // nor a program counting this revision's sockets; a steering taker attaches its own
			if (counted instanceof BooleanSupplier all && all.getAsBoolean()) {
				sockets.handOff();
			} else {
				sockets.handOffFirst();
			}
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
		return sockets.first().fd();
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
			old.stopUplinks();
			old.stopRest();
			sockets.release();
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

package org.mobilegt.gateway.tunnel.impl;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.ToIntFunction;

import org.mobilegt.gateway.common.LibC;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.log.Logger;

/**
 * The new revision's side of a hand-over ({@link SocketHandOver}): the previous revision's offer,
 * found at activation, and its sockets, adopted provisionally (checked with the kernel, not used
 * yet) while the previous pumps still forward. {@link #takeOver} makes it this revision's.
 */
final class Predecessor {

	/** How long a deactivation waits for the previous revision's counters before saving its own. */
	private static final long COUNTED_MILLIS = 3000;

	private final ToIntFunction<Runnable> offer;
	private final Runnable release;
	private final UplinkSockets sockets;
	/** Every descriptor offered: those not taken over are closed, so none stays on the port unread. */
	private final int[] offered;
	private final long found = System.nanoTime();
	private final CountDownLatch counted = new CountDownLatch(1);
	private final Logger log;

	Predecessor(ToIntFunction<Runnable> offer, Runnable release, UplinkSockets sockets, int[] offered, Logger log) {
		this.offer = offer;
		this.release = release;
		this.sockets = sockets;
		this.offered = offered;
		this.log = log;
	}

	/**
	 * The previous revision's offer, if one is registered, with its sockets adopted when they are
	 * bound where {@code settings} say (else null: the caller binds anew once it took over).
	 */
	@SuppressWarnings("unchecked")
	static Predecessor find(BundleContext context, TunnelSettings settings, Logger log) {
		try {
			BundleContext system = context.getBundle(Constants.SYSTEM_BUNDLE_ID).getBundleContext();
			Collection<ServiceReference<ToIntFunction>> refs = system.getServiceReferences(ToIntFunction.class,
					SocketHandOver.FILTER);
			if (refs == null || refs.isEmpty()) {
				return null;
			}
			ServiceReference<ToIntFunction> ref = refs.iterator().next();
			ToIntFunction<Runnable> offer = system.getService(ref);
			if (offer == null) {
				return null; // withdrawn meanwhile
			}
			int[] offered = offered(ref);
			UplinkSockets sockets = adopt(ref, offered, settings, log);
			if (sockets != null) {
				warmUp(context.getBundle(), log);
			}
			return new Predecessor(offer, () -> unget(system, ref), sockets, offered, log);
		} catch (InvalidSyntaxException | RuntimeException e) {
			log.warn("Tunnel not looking for a previous revision to take over from: {}", e.toString());
			return null; // its offer, if any, gives up in time and closes its socket
		}
	}

	/** The descriptors of the offer: all of them, or the one a revision with a single socket offered. */
	private static int[] offered(ServiceReference<?> ref) {
		if (ref.getProperty(SocketHandOver.FDS) instanceof int[] fds && fds.length > 0) {
			return fds.clone();
		}
		return ref.getProperty(SocketHandOver.FD) instanceof Integer fd ? new int[] { fd } : new int[0];
	}

	private static UplinkSockets adopt(ServiceReference<?> ref, int[] offered, TunnelSettings settings, Logger log) {
		Object bind = ref.getProperty(SocketHandOver.BIND);
		Object port = ref.getProperty(SocketHandOver.PORT);
		List<UdpSocket> adopted = new ArrayList<>();
		try {
			if (offered.length == 0 || offered.length > UplinkSockets.MAX || !(port instanceof Integer p)
					|| !(bind instanceof String b) || !InetAddress.getByName(b).equals(settings.bind()) || p != settings.port()) {
				log.info("Tunnel not taking over the socket {}:{}: now configured {}:{}", bind, port,
						settings.bind().getHostAddress(), settings.port());
				return null;
			}
			for (int fd : offered) {
				adopted.add(UdpSocket.adopt(fd, settings.bind(), p, settings.socketBufferBytes()));
			}
			return UplinkSockets.of(adopted);
		} catch (IOException e) {
			adopted.forEach(UdpSocket::handOff); // still the previous revision's
			log.warn("Tunnel not taking over the previous sockets: {}", e.getMessage());
			return null;
		}
	}

	private static void unget(BundleContext system, ServiceReference<?> ref) {
		try {
			system.ungetService(ref);
		} catch (IllegalStateException e) {
			// the framework stopping
		}
	}

	/**
	 * Loads and initialises every class of {@code bundle} (this revision) while the previous one
	 * still forwards: the first datagrams after the take-over then run no class loading, which
	 * costs this fresh class loader tens of milliseconds on a loaded box.
	 */
	private static void warmUp(Bundle bundle, Logger log) {
		Enumeration<URL> entries = bundle.findEntries("/", "*.class", true);
		int n = 0;
		while (entries != null && entries.hasMoreElements()) {
			String path = entries.nextElement().getPath();
			String name = path.substring(path.startsWith("/") ? 1 : 0, path.length() - ".class".length()).replace('/', '.');
			try {
				Class.forName(name, true, bundle.loadClass(name).getClassLoader());
				n++;
			} catch (ClassNotFoundException | LinkageError | RuntimeException e) {
				// not needed on the data path (e.g. an optional dependency missing)
			}
		}
		log.debug("Tunnel loaded {} classes before taking over", n);
	}

	/** The sockets adopted, or null when the caller binds anew after {@link #takeOver}. */
	UplinkSockets sockets() {
		return sockets;
	}

	long waitedMillis() {
		return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - found);
	}

	/**
	 * Stops the previous pumps and takes their sockets: the adopted ones, or null when there are
	 * none to use (not adopted: every offered descriptor is closed; given up: they were closed
	 * already). {@code restore} runs once the previous counters are saved (on the previous
	 * revision's thread).
	 */
	UplinkSockets takeOver(Runnable restore) {
		Counted once = new Counted(restore);
		int fd;
		try {
			fd = offer.applyAsInt(once);
		} catch (RuntimeException e) {
			log.error("The previous tunnel failed to hand over: {}", e.toString());
			fd = -1;
		} finally {
			release.run();
		}
		boolean ours = fd >= 0 && sockets != null && sockets.first().fd() == fd;
		if (fd < 0) {
			once.run(); // given up: its counters are saved
		} else if (!ours) {
			closeOffered(fd);
		}
		if (ours) {
			return sockets;
		}
		if (sockets != null) {
			sockets.handOff(); // not ours: never close their descriptors
		}
		return null;
	}

	/**
	 * What the offer runs once the previous counters are saved; as a {@link BooleanSupplier} that
	 * says true, it tells the offer that this revision takes every descriptor of
	 * {@link SocketHandOver#FDS} (and closes those it does not use).
	 */
	private final class Counted implements Runnable, BooleanSupplier {
		private final Runnable restore;

		Counted(Runnable restore) {
			this.restore = restore;
		}

		@Override
		public void run() {
			try {
				restore.run();
			} finally {
				counted.countDown();
			}
		}

		@Override
		public boolean getAsBoolean() {
			return true;
		}
	}

	/** Closes what was handed over but is not used: {@code fd} and every offered descriptor. */
	private void closeOffered(int fd) {
		LibC.close(fd);
		for (int f : offered) {
			if (f != fd) {
				LibC.close(f);
			}
		}
	}

	/** Waits (bounded) until the previous counters were restored, so that they are saved again with these. */
	void awaitCounted() throws InterruptedException {
		if (!counted.await(COUNTED_MILLIS, TimeUnit.MILLISECONDS)) {
			log.warn("Tunnel counters of the previous revision not restored within {} ms", COUNTED_MILLIS);
		}
	}
}

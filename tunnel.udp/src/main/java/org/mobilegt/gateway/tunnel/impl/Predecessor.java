package org.mobilegt.gateway.tunnel.impl;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URL;
import java.util.Collection;
import java.util.Enumeration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
 * found at activation, and its socket, adopted provisionally (checked with the kernel, not used
 * yet) while the previous pumps still forward. {@link #takeOver} makes it this revision's.
 */
final class Predecessor {

	/** How long a deactivation waits for the previous revision's counters before saving its own. */
	private static final long COUNTED_MILLIS = 3000;

	private final ToIntFunction<Runnable> offer;
	private final Runnable release;
	private final UdpSocket socket;
	private final long found = System.nanoTime();
	private final CountDownLatch counted = new CountDownLatch(1);
	private final Logger log;

	Predecessor(ToIntFunction<Runnable> offer, Runnable release, UdpSocket socket, Logger log) {
		this.offer = offer;
		this.release = release;
		this.socket = socket;
		this.log = log;
	}

	/**
	 * The previous revision's offer, if one is registered, with its socket adopted when it is
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
			UdpSocket socket = adopt(ref, settings, log);
			if (socket != null) {
				warmUp(context.getBundle(), log);
			}
			return new Predecessor(offer, () -> unget(system, ref), socket, log);
		} catch (InvalidSyntaxException | RuntimeException e) {
			log.warn("Tunnel not looking for a previous revision to take over from: {}", e.toString());
			return null; // its offer, if any, gives up in time and closes its socket
		}
	}

	private static UdpSocket adopt(ServiceReference<?> ref, TunnelSettings settings, Logger log) {
		Object fd = ref.getProperty(SocketHandOver.FD);
		Object bind = ref.getProperty(SocketHandOver.BIND);
		Object port = ref.getProperty(SocketHandOver.PORT);
		try {
			if (!(fd instanceof Integer f) || !(port instanceof Integer p) || !(bind instanceof String b)
					|| !InetAddress.getByName(b).equals(settings.bind()) || p != settings.port()) {
				log.info("Tunnel not taking over the socket {}:{}: now configured {}:{}", bind, port,
						settings.bind().getHostAddress(), settings.port());
				return null;
			}
			return UdpSocket.adopt(f, settings.bind(), p, settings.socketBufferBytes());
		} catch (IOException e) {
			log.warn("Tunnel not taking over the previous socket: {}", e.getMessage());
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

	/** The socket adopted, or null when the caller binds anew after {@link #takeOver}. */
	UdpSocket socket() {
		return socket;
	}

	long waitedMillis() {
		return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - found);
	}

	/**
	 * Stops the previous pumps and takes their socket: the adopted one, or null when there is none
	 * to use (not adopted: the descriptor is closed; given up: it was closed already). {@code
	 * restore} runs once the previous counters are saved (on the previous revision's thread).
	 */
	UdpSocket takeOver(Runnable restore) {
		Runnable once = () -> {
			try {
				restore.run();
			} finally {
				counted.countDown();
			}
		};
		int fd;
		try {
			fd = offer.applyAsInt(once);
		} catch (RuntimeException e) {
			log.error("The previous tunnel failed to hand over: {}", e.toString());
			fd = -1;
		} finally {
			release.run();
		}
		if (fd < 0) {
			once.run(); // given up: its counters are saved
		} else if (socket == null || socket.fd() != fd) {
			LibC.close(fd);
		}
		if (socket != null && socket.fd() == fd) {
			return socket;
		}
		if (socket != null) {
			socket.handOff(); // not ours: never close its descriptor
		}
		return null;
	}

	/** Waits (bounded) until the previous counters were restored, so that they are saved again with these. */
	void awaitCounted() throws InterruptedException {
		if (!counted.await(COUNTED_MILLIS, TimeUnit.MILLISECONDS)) {
			log.warn("Tunnel counters of the previous revision not restored within {} ms", COUNTED_MILLIS);
		}
	}
}

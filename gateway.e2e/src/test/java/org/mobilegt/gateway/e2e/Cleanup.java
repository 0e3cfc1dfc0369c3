package org.mobilegt.gateway.e2e;

import java.io.IOException;
import java.nio.channels.Channel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * Everything the harness starts or creates, by namespace, so that deleting a namespace first
 * ends what runs in it (even what a failing test forgot to close), and a JVM shutdown (a killed
 * or timed-out test fork) still cleans up. Resources close in reverse order of registration.
 */
final class Cleanup {

	private record Entry(String ns, AutoCloseable resource) {
	}

	private static final List<Entry> entries = new ArrayList<>();

	static {
		Runtime.getRuntime().addShutdownHook(new Thread(() -> closeMatching(null), "e2e-cleanup"));
	}

	private Cleanup() {
	}

	/** Registers {@code resource}, which lives in namespace {@code ns} (null: not tied to one). */
	static synchronized void register(String ns, AutoCloseable resource) {
		entries.add(new Entry(ns, resource));
	}

	static synchronized void unregister(String ns, AutoCloseable resource) {
		entries.removeIf(e -> e.resource == resource && Objects.equals(e.ns, ns));
	}

	/** Closes what lives in {@code ns}. */
	/**
	 * Closes the channel a server thread of {@code owner} serves, waits (bounded) for the thread
	 * to end and forgets {@code owner}.
	 */
	static void stopServer(String ns, AutoCloseable owner, Channel channel, Thread thread) {
		try {
			channel.close();
			thread.join(5000);
		} catch (IOException e) {
			// closing anyway
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		unregister(ns, owner);
	}

	static void closeAll(String ns) {
		closeMatching(Objects.requireNonNull(ns));
	}

	/** Closes the entries of {@code ns}, or all entries when ns is null, newest first. */
	private static void closeMatching(String ns) {
		List<Entry> matching = new ArrayList<>();
		synchronized (Cleanup.class) {
			for (Iterator<Entry> it = entries.iterator(); it.hasNext();) {
				Entry e = it.next();
				if (ns == null || ns.equals(e.ns)) {
					matching.add(0, e);
					it.remove();
				}
			}
		}
		for (Entry e : matching) {
			try {
				e.resource.close();
			} catch (Exception | AssertionError ex) {
				System.err.println("[e2e] clean-up of " + e.resource + " failed: " + ex);
			}
		}
	}
}

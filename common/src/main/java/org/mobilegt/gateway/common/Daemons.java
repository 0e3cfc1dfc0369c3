package org.mobilegt.gateway.common;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's background threads: all daemons (none may keep the JVM alive once the framework
 * stopped) and all named, so that a thread dump says whose they are.
 */
public final class Daemons {

	private Daemons() {
	}

	/** Daemon threads all called {@code name}: for an executor of one thread. */
	public static ThreadFactory named(String name) {
		return r -> daemon(r, name);
	}

	/** Daemon threads called {@code prefix-1}, {@code prefix-2}, …: for a pool. */
	public static ThreadFactory numbered(String prefix) {
		AtomicInteger n = new AtomicInteger();
		return r -> daemon(r, prefix + "-" + n.incrementAndGet());
	}

	/** A scheduler on one daemon thread called {@code name}. */
	public static ScheduledExecutorService scheduler(String name) {
		return Executors.newSingleThreadScheduledExecutor(named(name));
	}

	/** A daemon thread called {@code name}, not started yet. */
	public static Thread daemon(Runnable task, String name) {
		Thread t = new Thread(task, name);
		t.setDaemon(true);
		return t;
	}

	/** A daemon thread called {@code name}, started. */
	public static Thread start(Runnable task, String name) {
		Thread t = daemon(task, name);
		t.start();
		return t;
	}
}

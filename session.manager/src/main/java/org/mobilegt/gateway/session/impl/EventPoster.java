package org.mobilegt.gateway.session.impl;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.mobilegt.gateway.common.Daemons;

/**
 * One thread that runs the posts in the order they were handed over. Handing over happens under
 * the registry's lock, so it must be cheap: the thread is woken only when it sleeps, and once it
 * has had work it lingers {@value #LINGER_MILLIS} ms before it sleeps again. A flood of
 * handshakes then costs a timer wake-up per millisecond instead of a futex wake-up per session
 * inside the lock that the next handshake waits for; events are at most that much later.
 */
final class EventPoster implements Executor {

	static final long LINGER_MILLIS = 1;

	private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
	private final Thread thread;
	private volatile boolean sleeping;
	private volatile boolean stopped;

	EventPoster(String name) {
		thread = Daemons.start(this::run, name);
	}

	/** Queues {@code post}; after {@link #stop} it runs at once, on the caller's thread. */
	@Override
	public void execute(Runnable post) {
		queue.add(post);
		if (stopped) {
			drain();
		} else if (sleeping) {
			LockSupport.unpark(thread);
		}
	}

	private void run() {
		while (!stopped) {
			if (drain()) {
				LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(LINGER_MILLIS));
				continue;
			}
			sleeping = true; // then look again: a post queued just before saw sleeping false and woke nobody
			if (queue.isEmpty() && !stopped) {
				LockSupport.park(this);
			}
			sleeping = false;
		}
		drain();
	}

	private boolean drain() {
		boolean any = false;
		for (Runnable post; (post = queue.poll()) != null; any = true) {
			post.run();
		}
		return any;
	}

	/** Runs what is queued and ends the thread (waiting at most {@code millis}). */
	void stop(long millis) throws InterruptedException {
		stopped = true;
		LockSupport.unpark(thread);
		thread.join(millis);
		drain();
	}
}

package org.mobilegt.gateway.tunnel.impl;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.mobilegt.gateway.auth.api.KeyCheck;
import org.mobilegt.gateway.auth.api.Verdict;
import org.mobilegt.gateway.common.Daemons;
import org.mobilegt.gateway.common.RateGate;
import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.security.api.Reason;
import org.mobilegt.gateway.session.api.Session;
import org.mobilegt.gateway.session.api.SessionManager;
import org.mobilegt.gateway.session.api.SessionRefusedException;
import org.mobilegt.gateway.tunnel.api.DropReason;
import org.osgi.service.log.Logger;

/**
 * Handshakes on a bounded pool of worker threads, so that the packet pumps never wait for key
 * checks, lease bookkeeping or disk. A full queue drops the handshake (the client repeats it).
 * Replies and re-handshake hints are sent within the {@link ReplyBudget}; a reply that must wait
 * for budget is sent by a scheduler thread, never by a waiting worker.
 */
final class Control {

	static final int QUEUE = 1024;
	/** Longest handshake queued: the bounded queue then holds at most {@code QUEUE} such copies. */
	static final int MAX_HANDSHAKE = 1024;

	private final Bindings.Cell bound;
	private final TunnelMetrics metrics;
	private final Logger log;
	private final ThreadPoolExecutor pool;
	private final ScheduledThreadPoolExecutor deferred;
	private final ReplyBudget budget;
	private final ThreadLocal<ControlSender> senders = ThreadLocal.withInitial(ControlSender::new);
	private final RateGate refusalLog = new RateGate(10, 10_000);

	Control(Bindings.Cell bound, TunnelMetrics metrics, Logger log, TunnelSettings settings) {
		this.bound = bound;
		this.metrics = metrics;
		this.log = log;
		this.budget = settings == null ? new ReplyBudget(65536, 4 << 20)
				: new ReplyBudget(settings.replyBytesPerSource(), settings.replyBytesPerSecond());
		int workers = settings == null ? 1 : settings.workers();
		pool = new ThreadPoolExecutor(workers, workers, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE),
				Daemons.numbered("mobilegt-control"));
		deferred = new ScheduledThreadPoolExecutor(1, Daemons.numbered("mobilegt-replies"));
	}

	/** Applies the workers and reply budget of {@code s}. */
	void apply(TunnelSettings s) {
		int workers = s.workers();
		if (workers > pool.getMaximumPoolSize()) {
			pool.setMaximumPoolSize(workers);
			pool.setCorePoolSize(workers);
		} else {
			pool.setCorePoolSize(workers);
			pool.setMaximumPoolSize(workers);
		}
		budget.rates(s.replyBytesPerSource(), s.replyBytesPerSecond());
	}

	/**
	 * Queues the handshake in {@code datagram} (0 byte, then the payload, at most
	 * {@link #MAX_HANDSHAKE} bytes: {@link Decisions#handshake}) from {@code endpoint}.
	 */
	void handshake(long endpoint, ByteBuffer datagram) {
		byte[] payload = new byte[datagram.remaining() - 1];
		datagram.get(datagram.position() + 1, payload);
		try {
			pool.execute(() -> handle(endpoint, payload));
		} catch (RejectedExecutionException e) {
			metrics.dropped(DropReason.BUSY);
		}
	}

	/** Whether {@code endpoint} may get a re-handshake hint now (and it is charged to the budget). */
	boolean hint(long endpoint) {
		return budget.hint(endpoint, EndpointKey.source(endpoint), TunnelSettings.REHANDSHAKE.length, System.nanoTime());
	}

	private void handle(long endpoint, byte[] payload) {
		Bindings b = bound.get();
		KeyCheck keys = b.keyCheck();
		SessionManager sessions = b.sessionsForHandshakes();
		TunnelSettings settings = b.settings();
		InetAddress address = EndpointKey.inetAddress(endpoint); // null: a flood of IPv6 sources evicted it meanwhile
		if (keys == null || sessions == null || settings == null || address == null) {
			metrics.dropped(DropReason.NO_SERVICE);
			return;
		}
		// an authenticator that asks a server (RADIUS) completes later, on its own workers
		keys.checkAsync(address, EndpointKey.port(endpoint), ByteBuffer.wrap(payload)).whenComplete((verdict, failure) -> {
			if (failure != null) {
				log.warn("Key check of {} failed: {}", EndpointKey.format(endpoint), failure.toString());
				metrics.dropped(DropReason.NO_SERVICE);
			} else {
				checked(endpoint, verdict, sessions, settings);
			}
		});
	}

	private void checked(long endpoint, Verdict verdict, SessionManager sessions, TunnelSettings settings) {
		if (!verdict.accepted()) {
			metrics.handshakesFailed.increment();
			metrics.dropped(verdict.reason() == Reason.THROTTLED ? DropReason.THROTTLED
					: verdict.reason() == Reason.BUSY ? DropReason.BUSY : DropReason.HANDSHAKE_REFUSED);
			return; // no reply: a wrong key must not learn anything
		}
		// The budget is asked before a session is opened: a handshake that cannot be answered must
		// not hold an address either.
		ReplyBudget.Grant grant = budget.reply(endpoint, EndpointKey.source(endpoint), TunnelSettings.REPLY_SIZE,
				settings.replyRepeats(), System.nanoTime());
		if (grant.copies() == 0) {
			metrics.dropped(grant.repeated() ? DropReason.HANDSHAKE_REPEATED : DropReason.REPLY_LIMITED);
			return;
		}
		Session session;
		try {
			session = sessions.open(endpoint, verdict.clientId(), verdict.framedAddress());
		} catch (SessionRefusedException e) {
			refused(endpoint, e);
			return;
		}
		byte[] reply = settings.handshakeReply(session.tunnelAddress(), session.tunnelAddress6());
		metrics.handshakesOk.increment();
		if (grant.delayNanos() == 0) {
			reply(endpoint, session, reply, grant.copies());
		} else {
			deferred.schedule(() -> reply(endpoint, session, reply, grant.copies()), grant.delayNanos(), TimeUnit.NANOSECONDS);
		}
	}

	private void reply(long endpoint, Session session, byte[] reply, int copies) {
		int sent = senders.get().send(bound.get().socket(), reply, endpoint, copies);
		session.sent(reply.length * sent, false, System.currentTimeMillis());
	}

	private void refused(long endpoint, SessionRefusedException e) {
		metrics.handshakesFailed.increment();
		metrics.dropped(e.perSource() ? DropReason.SOURCE_LIMIT : DropReason.POOL_EXHAUSTED);
		long held = refusalLog.admit(System.currentTimeMillis());
		if (held >= 0) {
			log.warn("Handshake from {} refused: {}{}", EndpointKey.format(endpoint), e.getMessage(),
					RateGate.heldBack(held));
		}
	}

	/** Forgets budget entries that no longer limit anything (housekeeping). */
	void prune() {
		budget.prune(System.nanoTime());
	}

	void shutdown() throws InterruptedException {
		pool.shutdownNow();
		deferred.shutdownNow();
		pool.awaitTermination(5, TimeUnit.SECONDS);
	}
}

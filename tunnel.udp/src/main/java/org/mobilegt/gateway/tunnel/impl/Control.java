package org.mobilegt.gateway.tunnel.impl;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.mobilegt.gateway.auth.api.KeyCheck;
import org.mobilegt.gateway.auth.api.Reason;
import org.mobilegt.gateway.auth.api.Verdict;
import org.mobilegt.gateway.common.RateGate;
import org.mobilegt.gateway.session.api.Endpoint;
import org.mobilegt.gateway.session.api.Session;
import org.mobilegt.gateway.session.api.SessionManager;
import org.mobilegt.gateway.session.api.SessionRefusedException;
import org.mobilegt.gateway.tunnel.api.DropReason;
import org.osgi.service.log.Logger;

/**
 * Handshakes on a bounded pool of worker threads, so that the packet pumps never wait for key
 * checks, lease bookkeeping or disk. A full queue drops the handshake (the client repeats it).
 */
final class Control {

	static final int QUEUE = 1024;

	private final TunnelServer server;
	private final TunnelMetrics metrics;
	private final Logger log;
	private final ThreadPoolExecutor pool;
	private final ThreadLocal<ControlSender> senders = ThreadLocal.withInitial(ControlSender::new);
	private final RateGate refusalLog = new RateGate(10, 10_000);

	Control(TunnelServer server, TunnelMetrics metrics, Logger log, int workers) {
		this.server = server;
		this.metrics = metrics;
		this.log = log;
		AtomicInteger n = new AtomicInteger();
		pool = new ThreadPoolExecutor(workers, workers, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
			Thread t = new Thread(r, "mobilegt-control-" + n.incrementAndGet());
			t.setDaemon(true);
			return t;
		});
	}

	void workers(int workers) {
		if (workers > pool.getMaximumPoolSize()) {
			pool.setMaximumPoolSize(workers);
			pool.setCorePoolSize(workers);
		} else {
			pool.setCorePoolSize(workers);
			pool.setMaximumPoolSize(workers);
		}
	}

	/** Queues the handshake in {@code datagram} (0 byte, then the payload) from {@code endpoint}. */
	void handshake(long endpoint, ByteBuffer datagram) {
		byte[] payload = new byte[datagram.remaining() - 1];
		datagram.get(datagram.position() + 1, payload);
		try {
			pool.execute(() -> handle(endpoint, payload));
		} catch (RejectedExecutionException e) {
			metrics.dropped(DropReason.BUSY);
		}
	}

	private void handle(long endpoint, byte[] payload) {
		KeyCheck keys = server.keyCheck();
		SessionManager sessions = server.sessions();
		if (keys == null || sessions == null) {
			metrics.dropped(DropReason.NO_SERVICE);
			return;
		}
		InetAddress address = Endpoint.toInetAddress(Endpoint.address(endpoint));
		Verdict verdict = keys.check(address, Endpoint.port(endpoint), ByteBuffer.wrap(payload));
		if (!verdict.accepted()) {
			metrics.handshakesFailed.increment();
			metrics.dropped(verdict.reason() == Reason.THROTTLED ? DropReason.THROTTLED : DropReason.HANDSHAKE_REFUSED);
			return; // no reply: a wrong key must not learn anything
		}
		Session session;
		try {
			session = sessions.open(endpoint, verdict.clientId());
		} catch (SessionRefusedException e) {
			metrics.handshakesFailed.increment();
			metrics.dropped(DropReason.POOL_EXHAUSTED);
			long held = refusalLog.admit(System.currentTimeMillis());
			if (held >= 0) {
				log.warn("Handshake from {} refused: {}{}", Endpoint.format(endpoint), e.getMessage(),
						held > 0 ? "; " + held + " more not logged" : "");
			}
			return;
		}
		TunnelSettings settings = server.settings();
		byte[] reply = settings.handshakeReply(session.tunnelAddress());
		int sent = senders.get().send(server.socket(), reply, endpoint, settings.replyRepeats());
		session.sent(reply.length * sent, false, System.currentTimeMillis());
		metrics.handshakesOk.increment();
	}

	void shutdown() throws InterruptedException {
		pool.shutdownNow();
		pool.awaitTermination(5, TimeUnit.SECONDS);
	}
}

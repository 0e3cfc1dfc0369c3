package org.mobilegt.gateway.auth.api;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Decides whether a handshake carries the shared key (compared in constant time) and an allowed
 * client id, keeps a bounded log of illegal attempts and throttles sources that keep failing.
 * Every rejection is also posted on EventAdmin as {@link #TOPIC_REJECTED}.
 */
@ProviderType
public interface KeyCheck {

	/** EventAdmin topic of an illegal attempt; properties address, port, reason, detail. */
	String TOPIC_REJECTED = "org/mobilegt/gateway/auth/REJECTED";

	/**
	 * Checks a handshake from {@code address:port}. {@code payload} holds the bytes after the
	 * leading 0: {@code secret} or {@code secret:clientId}. Failures are recorded; wrong keys (only
	 * they) count towards throttling the source, which then gets one check a second. The buffer's
	 * position is not changed.
	 */
	Verdict check(InetAddress address, int port, ByteBuffer payload);

	/**
	 * {@link #check} without waiting: an authenticator that asks another server (RADIUS) completes
	 * the stage later on its own bounded workers, never on the caller's thread. The payload is
	 * copied before this returns. The default completes at once with {@link #check}.
	 */
	default CompletionStage<Verdict> checkAsync(InetAddress address, int port, ByteBuffer payload) {
		return CompletableFuture.completedFuture(check(address, port, payload));
	}

	/**
	 * True while handshakes from {@code address} must be dropped without any work: it is banned by
	 * an operator, or throttled after too many wrong keys and has had its one check this second. A
	 * false answer for a throttled source grants that second's check to the handshake asked about.
	 */
	boolean blocked(InetAddress address);

	/**
	 * Records an illegal attempt noticed elsewhere (data from an unknown endpoint, spoofing...): it
	 * is logged and counted, but never throttles the source's handshakes - except
	 * {@link Reason#REJECTED_BY_RADIUS}, which is a wrong key decided elsewhere and throttles like one.
	 */
	void record(InetAddress address, int port, Reason reason, String detail);

	/**
	 * Bans {@code address} (when not null) and {@code clientId} (when not null) for {@code duration}:
	 * their handshakes are refused until it has passed.
	 */
	void ban(InetAddress address, String clientId, Duration duration);

	/** The newest illegal attempts, newest first, at most {@code max}. */
	List<IllegalAttempt> illegalAttempts(int max);

	/** Illegal attempts by reason since start, including those the bounded log has forgotten. */
	Map<Reason, Long> rejections();

	/** Whether a shared key is configured; without one no handshake succeeds. */
	boolean keyConfigured();
}

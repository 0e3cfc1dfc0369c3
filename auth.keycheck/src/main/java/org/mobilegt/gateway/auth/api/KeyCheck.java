package org.mobilegt.gateway.auth.api;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Decides whether a handshake carries the shared key (compared in constant time) and an allowed
 * client id, and throttles sources that keep failing. Every refusal is reported to the gateway's
 * {@link org.mobilegt.gateway.security.api.SecurityLog}, which is not this service's job to show.
 */
@ProviderType
public interface KeyCheck {

	/**
	 * Checks a handshake from {@code address:port}. {@code payload} holds the bytes after the
	 * leading 0: {@code secret} or {@code secret:clientId}. Failures are reported to the security log; wrong keys (only
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
	 * Bans {@code address} (when not null; an IPv6 address bans its whole /64, as throttling counts
	 * it) and {@code clientId} (when not null) for {@code duration}: their handshakes are refused
	 * until it has passed.
	 */
	void ban(InetAddress address, String clientId, Duration duration);

	/** Whether a shared key is configured; without one no handshake succeeds. */
	boolean keyConfigured();
}

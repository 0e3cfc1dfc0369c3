package org.mobilegt.gateway.security.api;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The gateway's log of security events (illegal attempts). It counts <em>attempts</em>: each report
 * is one attempt, counted once under its {@link Reason}, kept in a bounded log of the newest, logged
 * (rate-limited) and posted on EventAdmin as {@link #TOPIC_REJECTED}. It answers "who tried what,
 * from where, how often".
 * <p>
 * It does not count packets: how many datagrams the tunnel dropped, and why, is the tunnel's
 * {@code DropReason} counters ({@code drops.*}), where every datagram is counted exactly once. A
 * spoofed packet is one drop ({@code drops.SPOOFED}) and, when the tunnel reports it, one attempt
 * ({@link Reason#SPOOFED}); the two never add up to anything, they are two questions. The tunnel
 * reports at most a few spoofing attempts a second, while every spoofed packet is dropped and counted.
 */
@ProviderType
public interface SecurityLog {

	/** EventAdmin topic of an illegal attempt; properties address, port, reason, detail. */
	String TOPIC_REJECTED = "org/mobilegt/gateway/auth/REJECTED";

	/**
	 * Records one illegal attempt. {@code detail} must not contain a secret. Recording never
	 * throttles the source, except {@link Reason#REJECTED_BY_RADIUS}: a wrong key decided elsewhere,
	 * which the gateway's key check counts towards throttling like one of its own.
	 */
	void record(InetAddress address, int port, Reason reason, String detail);

	/** The newest illegal attempts, newest first, at most {@code max}. */
	List<IllegalAttempt> illegalAttempts(int max);

	/** Illegal attempts by reason since start, including those the bounded log has forgotten. */
	Map<Reason, Long> counts();
}

package org.mobilegt.gateway.session.api;

import java.util.Collection;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The sessions of connected clients and the leases of the address pool. Lookups by endpoint and by
 * tunnel address are O(1), lock-free and allocation-free: they sit on the data path.
 * <p>
 * Endpoints are IPv4 UDP endpoints packed into a long by {@link org.mobilegt.gateway.net.api.EndpointKey#key(int, int)}; tunnel
 * addresses are IPv4 addresses as ints (network order, most significant byte first), IPv6 ones two
 * longs (bits 127-64 and 63-0, see {@link org.mobilegt.gateway.net.api.IpAddress#high()}).
 * <p>
 * The session manager owns the per-session policies because it enforces them, and they are
 * configured in mobilegt.sessions: idle expiry ({@code idleTimeoutSeconds}, run by the manager
 * itself) and each client's packet rate ({@code maxPacketsPerSecond}, the token bucket behind
 * {@link Session#admit()}). Do not move them to the tunnel, which only asks.
 */
@ProviderType
public interface SessionManager {

	String TOPIC_OPENED = "org/mobilegt/gateway/session/OPENED";
	String TOPIC_CLOSED = "org/mobilegt/gateway/session/CLOSED";
	String TOPIC_EXPIRED = "org/mobilegt/gateway/session/EXPIRED";
	/** A known client id handshook from a new endpoint: its session moved there ({@link #PROP_PREVIOUS_ENDPOINT}). */
	String TOPIC_ROAMED = "org/mobilegt/gateway/session/ROAMED";
	/** Event properties. */
	String PROP_SESSION_ID = "session.id";
	String PROP_CLIENT_ID = "client.id";
	String PROP_ENDPOINT = "endpoint";
	String PROP_TUNNEL_ADDRESS = "tunnel.address";
	/** The IPv6 tunnel address (RFC 5952 text); absent when the session has none. */
	String PROP_TUNNEL_ADDRESS6 = "tunnel.address6";
	/** The endpoint a roamed session came from (ROAMED only). */
	String PROP_PREVIOUS_ENDPOINT = "endpoint.previous";
	/** When the session opened, in milliseconds since the epoch (a Long). */
	String PROP_START = "start";
	String PROP_REASON = "reason";
	String PROP_RX_PACKETS = "rx.packets";
	String PROP_RX_BYTES = "rx.bytes";
	String PROP_TX_PACKETS = "tx.packets";
	String PROP_TX_BYTES = "tx.bytes";

	/**
	 * Opens the session of a client whose handshake passed, or returns its live one. A known
	 * {@code clientId} from a new endpoint moves (roams) its session there; a client gets back the
	 * address it leased before. Anonymous clients ({@code clientId} null) are keyed by endpoint.
	 *
	 * @throws SessionRefusedException when the pool is exhausted or the client limit is reached
	 */
	Session open(long endpoint, String clientId) throws SessionRefusedException;

	/**
	 * {@link #open(long, String)} with the address an authenticator assigned (RADIUS
	 * Framed-IP-Address); 0 lets the pool decide.
	 *
	 * @throws SessionRefusedException also when {@code requestedAddress} is outside the pool, reserved or held by a live session
	 */
	Session open(long endpoint, String clientId, int requestedAddress) throws SessionRefusedException;

	/** The live session of an endpoint, or null. */
	Session byEndpoint(long endpoint);

	/** The live session holding tunnel address {@code address}, or null. */
	Session byTunnelAddress(int address);

	/**
	 * The live session holding IPv6 tunnel address {@code hi:lo} (bits 127-64, 63-0), or null. O(1),
	 * lock-free and allocation-free: the downlink looks up every IPv6 packet's destination.
	 */
	Session byTunnelAddress6(long hi, long lo);

	/**
	 * Whether {@code endpoint} held a session that ended less than the configured recent window
	 * ago: such a client is told to handshake again instead of being ignored.
	 */
	boolean recentlyClosed(long endpoint);

	/** Closes a session now (kick); its lease stays reserved for its client id. */
	void close(Session session, CloseReason reason);

	/**
	 * Compatibility: the value of {@code idleTimeoutSeconds} in mobilegt.tunnel, a deprecated key (the
	 * session manager expires idle sessions itself, after {@code idleTimeoutSeconds} of mobilegt.sessions).
	 * While it is not 0 it applies instead, so that configurations written before the key moved keep
	 * working; the session manager warns about it once per value.
	 *
	 * @param seconds 0 (not set) or 5 to 86400
	 * @throws IllegalArgumentException for any other value
	 */
	void legacyIdleTimeout(int seconds);

	/**
	 * The tunnel picks a client's uplink by its IPv4 tunnel address mod {@code ways}: fresh leases
	 * come from the residue class with the fewest, so that each uplink carries as many clients, also
	 * after churn. 1 (the default): in turn. The tunnel says it again whenever it may have changed;
	 * the same value again costs nothing.
	 *
	 * @param ways 1 to {@value #MAX_WAYS}
	 * @throws IllegalArgumentException for any other value
	 * @since 2.3
	 */
	void spreadLeases(int ways);

	/** The most {@link #spreadLeases(int) ways} leases spread over. */
	int MAX_WAYS = 64;

	/** All live sessions. */
	Collection<Session> sessions();

	/** A session by client id, tunnel address (IPv4 dotted or IPv6) or session id. */
	Optional<Session> find(String idOrAddress);

	/** The address pool: size, use and leases. */
	Pool pool();
}

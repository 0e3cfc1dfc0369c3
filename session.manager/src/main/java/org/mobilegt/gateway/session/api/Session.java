package org.mobilegt.gateway.session.api;

import java.time.Instant;

import org.mobilegt.gateway.net.api.IpAddress;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One client's session. The tunnel accounts every packet on it; counters are lock-free and the
 * two directions never share a lock or a cache line.
 * <p>
 * "rx" is what the gateway received from the client, "tx" what it sent to the client.
 */
@ProviderType
public interface Session {

	/** Unique among the sessions of this gateway, stable across restarts. */
	long id();

	/** The id the client sent in its handshake, or null for an anonymous ToyVpn client. */
	String clientId();

	/** The client's current UDP endpoint, see {@link org.mobilegt.gateway.net.api.EndpointKey}. */
	long endpoint();

	/** The leased tunnel address. */
	int tunnelAddress();

	/**
	 * Bits 127-64 of the leased IPv6 tunnel address (a /128); with {@link #tunnelAddress6Lo()} 0
	 * the session has none (IPv6 is off). Allocation-free, for the data path.
	 */
	long tunnelAddress6Hi();

	/** Bits 63-0 of the leased IPv6 tunnel address, see {@link #tunnelAddress6Hi()}. */
	long tunnelAddress6Lo();

	/** The leased IPv6 tunnel address, or null when the session has none. */
	default IpAddress tunnelAddress6() {
		long hi = tunnelAddress6Hi();
		long lo = tunnelAddress6Lo();
		return hi == 0 && lo == 0 ? null : IpAddress.ofIpv6(hi, lo);
	}

	Instant since();

	/** When the client last sent anything (System.currentTimeMillis()). */
	long lastReceivedMillis();

	/** When the gateway last sent anything to the client (System.currentTimeMillis()). */
	long lastSentMillis();

	boolean live();

	/**
	 * Accounts a datagram received from the client at {@code nowMillis}. Only data packets count in
	 * the packet and byte counters; control datagrams (handshakes, keepalives) only show liveness.
	 */
	void received(int bytes, boolean data, long nowMillis);

	/** Accounts a datagram sent to the client at {@code nowMillis}, counted like {@link #received}. */
	void sent(int bytes, boolean data, long nowMillis);

	/**
	 * Whether the client may send one more data packet now, within its share
	 * ({@code maxPacketsPerSecond} of mobilegt.sessions, a token bucket with one second of burst).
	 * Called for every data packet by the uplink thread that received it (a dual-stack client's
	 * two families may reach two); free when no limit is set.
	 */
	boolean admit();

	/** Accounts a packet of this client that was dropped. */
	void dropped();

	/**
	 * Adds what {@code earlier}, the same session in a session manager kept in use through its
	 * update, counted beyond this one (which was taken back from the state it saved when it left).
	 * Called once, when the successor takes over.
	 */
	void carry(Session earlier);

	long rxPackets();

	long rxBytes();

	long txPackets();

	long txBytes();

	long drops();
}

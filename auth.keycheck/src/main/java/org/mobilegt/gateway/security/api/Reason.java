package org.mobilegt.gateway.security.api;

/** Why a datagram or handshake was refused. */
public enum Reason {
	/** The handshake's secret is wrong, or no key is configured. */
	BAD_KEY,
	/** The client id is not on the allow-list, or is not printable ASCII of at most 64 bytes. */
	UNKNOWN_ID,
	/** Data from an endpoint without a session. */
	UNKNOWN_ENDPOINT,
	/** The source failed too often in the last minute, or is banned. */
	THROTTLED,
	/** A datagram that is neither a valid control message nor an IP packet. */
	MALFORMED,
	/** An IP packet whose source is not the address leased to the sending client. */
	SPOOFED,
	/** The RADIUS server answered the handshake with Access-Reject (throttled like a wrong key). */
	REJECTED_BY_RADIUS,
	/** No RADIUS server answered and {@code onUnreachable} is {@code reject}. */
	RADIUS_UNREACHABLE,
	/** The authenticator's queue is full: the handshake is dropped unchecked (the client repeats it). */
	BUSY
}

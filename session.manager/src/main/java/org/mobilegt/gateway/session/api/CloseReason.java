package org.mobilegt.gateway.session.api;

/** Why a session ended. */
public enum CloseReason {
	/** No datagram from the client within the idle timeout. */
	EXPIRED,
	/** An operator kicked it. */
	KICKED,
	/** The client handshook again from a new endpoint; its session moved there. */
	ROAMED,
	/** The gateway is shutting the session down. */
	SHUTDOWN,
	/** The client's own key was removed or rotated. */
	REVOKED,
	/** The session lasted as long as its authenticator allows (RADIUS Session-Timeout). */
	SESSION_TIMEOUT
}

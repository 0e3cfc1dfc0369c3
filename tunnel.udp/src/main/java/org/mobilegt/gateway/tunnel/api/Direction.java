package org.mobilegt.gateway.tunnel.api;

/** Direction of a packet through the gateway. */
public enum Direction {
	/** From a client over UDP to the TUN device. */
	FROM_CLIENT,
	/** From the TUN device over UDP to a client. */
	TO_CLIENT
}

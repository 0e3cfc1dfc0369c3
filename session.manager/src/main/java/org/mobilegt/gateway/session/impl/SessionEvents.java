package org.mobilegt.gateway.session.impl;

import static org.mobilegt.gateway.session.api.SessionManager.*;

import java.util.HashMap;
import java.util.Map;

import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.session.api.CloseReason;
import org.osgi.service.event.Event;

/** The lifecycle events the registry posts (opened, roamed, closed, expired). */
final class SessionEvents {

	private SessionEvents() {
	}

	/**
	 * The event for {@code s}; an end ({@code reason} not null) carries the counters, a roam
	 * ({@code previousEndpoint} not null) where the session came from.
	 */
	static Event of(String topic, SessionImpl s, CloseReason reason, String previousEndpoint) {
		Map<String, Object> props = new HashMap<>();
		props.put(PROP_SESSION_ID, s.id());
		if (s.clientId() != null) {
			props.put(PROP_CLIENT_ID, s.clientId());
		}
		props.put(PROP_ENDPOINT, EndpointKey.format(s.endpoint()));
		props.put(PROP_TUNNEL_ADDRESS, IpAddress.formatIpv4(s.tunnelAddress()));
		if (s.has6()) {
			props.put(PROP_TUNNEL_ADDRESS6, s.tunnelAddress6().toString());
		}
		props.put(PROP_START, s.since().toEpochMilli());
		if (previousEndpoint != null) {
			props.put(PROP_PREVIOUS_ENDPOINT, previousEndpoint);
		}
		if (reason != null) {
			props.put(PROP_REASON, reason.name());
			props.put(PROP_RX_PACKETS, s.rxPackets());
			props.put(PROP_RX_BYTES, s.rxBytes());
			props.put(PROP_TX_PACKETS, s.txPackets());
			props.put(PROP_TX_BYTES, s.txBytes());
		}
		return new Event(topic, props);
	}
}

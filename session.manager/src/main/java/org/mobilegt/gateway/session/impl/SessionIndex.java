package org.mobilegt.gateway.session.impl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.mobilegt.gateway.common.LongMap;
import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.net.api.IpAddress;

/**
 * The live sessions by endpoint, tunnel address (IPv4 and IPv6) and client id. One writer (the registry, under its
 * lock); the data path reads the endpoint and address maps without any lock or allocation, and
 * {@link #snapshot()} copies them from any thread. IPv6 addresses are keyed by their low 64 bits,
 * which {@link AddressPool6} keeps unique, and the high ones are checked on the found session. The client-id map is read under the writer's lock only.
 */
final class SessionIndex {

	private final LongMap<SessionImpl> byEndpoint = new LongMap<>();
	private final LongMap<SessionImpl> byAddress = new LongMap<>();
	private final LongMap<SessionImpl> byAddress6 = new LongMap<>();
	private final Map<String, SessionImpl> byClient = new HashMap<>();

	/** Any thread. */
	SessionImpl byEndpoint(long endpoint) {
		return byEndpoint.get(endpoint);
	}

	/** Any thread. */
	SessionImpl byAddress(int address) {
		return byAddress.get(address & 0xFFFFFFFFL);
	}

	/** Any thread. */
	SessionImpl byAddress6(long hi, long lo) {
		SessionImpl s = byAddress6.get(lo);
		return s != null && s.tunnelAddress6Hi() == hi ? s : null;
	}

	/** Writer only. */
	SessionImpl byClient(String clientId) {
		return byClient.get(clientId);
	}

	/** Writer only. */
	SessionImpl byId(long id) {
		SessionImpl[] found = new SessionImpl[1];
		byEndpoint.forEach(s -> {
			if (s.id() == id) {
				found[0] = s;
			}
		});
		return found[0];
	}

	/** Live sessions. Writer only. */
	int size() {
		return byEndpoint.size();
	}

	void add(SessionImpl s) {
		EndpointKey.retain(s.endpoint()); // an IPv6 endpoint's address stays in the key table while it has a session
		byEndpoint.put(s.endpoint(), s);
		byAddress.put(s.tunnelAddress() & 0xFFFFFFFFL, s);
		if (s.has6()) {
			byAddress6.put(s.tunnelAddress6Lo(), s);
		}
		if (s.clientId() != null) {
			byClient.put(s.clientId(), s);
		}
	}

	void remove(SessionImpl s) {
		byEndpoint.remove(s.endpoint());
		EndpointKey.release(s.endpoint());
		byAddress.remove(s.tunnelAddress() & 0xFFFFFFFFL);
		if (s.has6() && byAddress6.get(s.tunnelAddress6Lo()) == s) {
			byAddress6.remove(s.tunnelAddress6Lo());
		}
		if (s.clientId() != null) {
			byClient.remove(s.clientId());
		}
	}

	/** Gives back every live session's hold on its endpoint key (the registry goes away). Writer only. */
	void releaseEndpoints() {
		byEndpoint.forEach(s -> EndpointKey.release(s.endpoint()));
	}

	/** Moves a roaming session to {@code endpoint}: readers find it at one endpoint or the other. */
	void move(SessionImpl s, long endpoint) {
		EndpointKey.retain(endpoint);
		byEndpoint.remove(s.endpoint());
		EndpointKey.release(s.endpoint());
		s.endpoint(endpoint);
		byEndpoint.put(endpoint, s);
	}

	/** The live sessions, copied without the lock (weakly consistent). Any thread. */
	List<SessionImpl> snapshot() {
		List<SessionImpl> list = new ArrayList<>();
		byEndpoint.forEach(list::add);
		return list;
	}

	/** The session of a client id, tunnel address (either family) or session id; null if none. */
	SessionImpl find(String q) {
		SessionImpl s = byClient(q);
		if (s == null && (q.indexOf('.') > 0 || q.indexOf(':') >= 0)) {
			try {
				IpAddress a = IpAddress.parse(q);
				s = a.isIpv4() ? byAddress(a.ipv4()) : byAddress6(a.high(), a.low());
			} catch (IllegalArgumentException e) {
				s = null; // not an address: no session has it
			}
		}
		if (s == null && q.matches("\\d{1,18}")) {
			s = byId(Long.parseLong(q));
		}
		return s;
	}
}

package org.mobilegt.gateway.session.impl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.mobilegt.gateway.common.LongMap;

/**
 * The live sessions by endpoint, tunnel address and client id. One writer (the registry, under its
 * lock); the data path reads the endpoint and address maps without any lock or allocation, and
 * {@link #snapshot()} copies them from any thread. The client-id map is read under the writer's lock only.
 */
final class SessionIndex {

	private final LongMap<SessionImpl> byEndpoint = new LongMap<>();
	private final LongMap<SessionImpl> byAddress = new LongMap<>();
	private final Map<String, SessionImpl> byClient = new HashMap<>();

	/** Any thread. */
	SessionImpl byEndpoint(long endpoint) {
		return byEndpoint.get(endpoint);
	}

	/** Any thread. */
	SessionImpl byAddress(int address) {
		return byAddress.get(address & 0xFFFFFFFFL);
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
		byEndpoint.put(s.endpoint(), s);
		byAddress.put(s.tunnelAddress() & 0xFFFFFFFFL, s);
		if (s.clientId() != null) {
			byClient.put(s.clientId(), s);
		}
	}

	void remove(SessionImpl s) {
		byEndpoint.remove(s.endpoint());
		byAddress.remove(s.tunnelAddress() & 0xFFFFFFFFL);
		if (s.clientId() != null) {
			byClient.remove(s.clientId());
		}
	}

	/** Moves a roaming session to {@code endpoint}: readers find it at one endpoint or the other. */
	void move(SessionImpl s, long endpoint) {
		byEndpoint.remove(s.endpoint());
		s.endpoint(endpoint);
		byEndpoint.put(endpoint, s);
	}

	/** The live sessions, copied without the lock (weakly consistent). Any thread. */
	List<SessionImpl> snapshot() {
		List<SessionImpl> list = new ArrayList<>();
		byEndpoint.forEach(list::add);
		return list;
	}
}

package org.mobilegt.gateway.radius.impl;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.aaa4j.radius.client.IntervalRetransmissionStrategy;
import org.aaa4j.radius.client.RadiusClient;
import org.aaa4j.radius.client.RadiusClientException;
import org.aaa4j.radius.client.clients.UdpRadiusClient;
import org.aaa4j.radius.core.packet.Packet;
import org.osgi.service.log.Logger;

/**
 * The configured RADIUS servers, tried in order: a server that does not answer within
 * {@code retries} tries of {@code timeoutMillis} each is skipped, and the one that answered last is
 * asked first next time (failover that sticks until that one fails as well). Accounting goes to
 * the authentication port + 1, as usual.
 */
final class RadiusServers {

	private record Server(InetSocketAddress address, RadiusClient auth, RadiusClient accounting) {
	}

	private final List<Server> servers = new ArrayList<>();
	private final Logger log;
	private final InetAddress nasAddress;
	private volatile int current;

	RadiusServers(RadiusSettings s, Logger log) {
		this.log = log;
		IntervalRetransmissionStrategy retry = new IntervalRetransmissionStrategy(s.retries(), Duration.ofMillis(s.timeoutMillis()));
		for (InetSocketAddress a : s.servers()) {
			InetSocketAddress acct = new InetSocketAddress(a.getAddress(), a.getPort() + 1);
			servers.add(new Server(a,
					UdpRadiusClient.newBuilder().address(a).secret(s.secret()).retransmissionStrategy(retry).build(),
					UdpRadiusClient.newBuilder().address(acct).secret(s.secret()).retransmissionStrategy(retry).build()));
		}
		this.nasAddress = localAddressTowards(s.servers().get(0));
	}

	/** The address this host sends from towards {@code server}: the NAS-IP-Address. */
	private static InetAddress localAddressTowards(InetSocketAddress server) {
		try (DatagramSocket probe = new DatagramSocket()) {
			probe.connect(server); // no datagram is sent: this only asks the routing table
			return probe.getLocalAddress();
		} catch (SocketException e) {
			return InetAddress.getLoopbackAddress();
		}
	}

	InetAddress nasAddress() {
		return nasAddress;
	}

	/**
	 * Sends {@code request} to the current server, then the others in order; the first answer.
	 *
	 * @throws RadiusClientException when no server answered
	 */
	Packet send(Packet request, boolean accounting) throws RadiusClientException {
		int n = servers.size();
		int first = current;
		RadiusClientException last = null;
		for (int i = 0; i < n; i++) {
			int index = (first + i) % n;
			Server server = servers.get(index);
			try {
				Packet answer = (accounting ? server.accounting() : server.auth()).send(request);
				if (index != current) {
					current = index;
					log.warn("RADIUS: now using server {}", server.address());
				}
				return answer;
			} catch (RadiusClientException | RuntimeException e) {
				log.warn("RADIUS server {} did not answer{}: {}", server.address(), accounting ? " (accounting)" : "", e.getMessage());
				last = e instanceof RadiusClientException r ? r : new RadiusClientException(e);
			}
		}
		throw last;
	}

	void close() {
		for (Server s : servers) {
			s.auth().close();
			s.accounting().close();
		}
	}
}

package org.mobilegt.gateway.tunnel.impl;

import java.nio.ByteBuffer;

import org.mobilegt.gateway.common.ClientIds;
import org.mobilegt.gateway.common.RateGate;
import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.security.api.Reason;
import org.mobilegt.gateway.security.api.SecurityLog;
import org.mobilegt.gateway.session.api.Session;
import org.osgi.service.log.Logger;

/**
 * What an uplink pump reports about the datagrams it drops or fails on, each kind rate-limited,
 * since a sender controls how often it happens. One per pump thread.
 */
final class UplinkReports {

	private final Logger log;
	private final RateGate errorLog = new RateGate(5, 60_000);
	private final RateGate spoofRecords = new RateGate(10, 1_000);
	private final RateGate shareLog = new RateGate(1, 10_000);

	UplinkReports(Logger log) {
		this.log = log;
	}

	/** A packet in {@code p} whose source is not {@code session}'s lease, into the security log. */
	void spoofed(SecurityLog attempts, long endpoint, ByteBuffer p, Session session, long now) {
		if (attempts != null && spoofRecords.admit(now) >= 0) {
			boolean v6 = (p.get(p.position()) & 0xF0) == 0x60;
			String source = v6 ? IpAddress.ofIpv6(Ipv6.sourceHi(p), Ipv6.sourceLo(p)).toString() : IpAddress.formatIpv4(Packets.source(p));
			String lease = v6 ? String.valueOf(session.tunnelAddress6()) : IpAddress.formatIpv4(session.tunnelAddress());
			attempts.record(EndpointKey.inetAddress(endpoint), EndpointKey.port(endpoint), Reason.SPOOFED,
					"source " + source + " is not the lease " + lease);
		}
	}

	void overShare(Session session, long now) {
		long held = shareLog.admit(now);
		if (held >= 0) {
			log.warn("Client {} at {} sends more than its share (mobilegt.sessions maxPacketsPerSecond): the excess is dropped{}",
					ClientIds.printable(session.clientId()), EndpointKey.format(session.endpoint()),
					RateGate.heldBack(held));
		}
	}

	void error(String what, Exception e) {
		long held = errorLog.admit(System.currentTimeMillis());
		if (held >= 0) {
			log.error("{}: {}{}", what, e.toString(), RateGate.heldBack(held));
		}
	}
}

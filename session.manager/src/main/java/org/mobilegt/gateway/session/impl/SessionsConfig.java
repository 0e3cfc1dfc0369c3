package org.mobilegt.gateway.session.impl;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = SessionsConfig.PID, name = "mobilegt sessions",
		description = "Client sessions and the address pool they lease from (the TUN device's client subnet).")
public @interface SessionsConfig {

	String PID = "mobilegt.sessions";

	@AttributeDefinition(name = "Maximum clients", description = "Connected clients at most; 0 = as many as the pool has addresses.", min = "0", max = "16777216")
	int maxClients() default 0;

	@AttributeDefinition(name = "Sessions per source address", description = "Live sessions one source address (an IPv6 sender: its /64) may hold; 0 = no limit. Room for the phones behind one carrier-grade NAT address, not for one key holder taking the pool.", min = "0", max = "16777216")
	int maxSessionsPerSource() default 1024;

	@AttributeDefinition(name = "New leases per source address per minute", description = "Fresh addresses (not a client id's own one back) one source address (an IPv6 sender: its /64) may lease per minute; 0 = no limit.", min = "0", max = "16777216")
	int maxNewLeasesPerSourcePerMinute() default 600;

	@AttributeDefinition(name = "Lease time (minutes)", description = "How long an address stays reserved for a client id after its session ended. An anonymous client's address returns to the pool when its session ends.", min = "1", max = "5256000")
	int leaseMinutes() default 1440;

	@AttributeDefinition(name = "Recent window (minutes)", description = "An endpoint whose session ended less than this ago is told to handshake again when it sends data.", min = "0", max = "10080")
	int recentMinutes() default 10;

	@AttributeDefinition(name = "Idle timeout (s)", description = "End a session after this many seconds without any datagram from its client. While the deprecated idleTimeoutSeconds of mobilegt.tunnel is set (not 0), that value applies instead.", min = "5", max = "86400")
	int idleTimeoutSeconds() default 60;

	@AttributeDefinition(name = "Packets per second per client", description = "A client's share: data packets it may send per second (with one second of burst); the excess is dropped and counted. 0 = no limit. Enforced by each session's token bucket, so it is configured here, not in mobilegt.tunnel.", min = "0", max = "10000000")
	int maxPacketsPerSecond() default 0;

	@AttributeDefinition(name = "Excluded addresses", description = "Addresses of the subnet (IPv4) or of the IPv6 prefix that are never leased.")
	String[] exclude() default {};
}

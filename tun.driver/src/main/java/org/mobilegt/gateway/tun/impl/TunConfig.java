package org.mobilegt.gateway.tun.impl;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(id = TunConfig.PID, name = "mobilegt TUN device",
		description = "The single TUN device all clients share: its name, MTU, the client subnet routed to it and NAT to the internet.")
public @interface TunConfig {

	String PID = "mobilegt.tun";

	@AttributeDefinition(name = "Device name", description = "Interface name (1-15 characters: letters, digits, '-', '_', '.'). An existing TUN device of that name is attached to; otherwise one is created.")
	String name() default "mgt0";

	@AttributeDefinition(name = "MTU", description = "MTU of the device in bytes (576-65535). Changes apply live.", min = "576", max = "65535")
	int mtu() default 1400;

	@AttributeDefinition(name = "Client subnet", description = "IPv4 subnet in CIDR notation routed to the device; client addresses are leased from it. Changes apply live.")
	String subnet() default "10.77.0.0/16";

	@AttributeDefinition(name = "Client subnet (IPv6)", description = "IPv6 prefix (/64 to /126, global 2000::/3 or unique local fc00::/7) routed to the device: the gateway takes <prefix>::1, clients get /128s from it. 'auto': a unique local /64 (RFC 4193) generated at first start and kept in subnet6.ula of the configuration directory; the effective prefix is in the status. Empty: no IPv6. Changes apply live.", required = false)
	String subnet6() default "auto";

	@AttributeDefinition(name = "NAT", description = "Enable forwarding (IPv4, and IPv6 when subnet6 is set) and masquerade the client subnets out of the egress interface.")
	boolean nat() default true;

	@AttributeDefinition(name = "IPv6 NAT", description = "With nat on: 'masquerade' translates subnet6 to the egress address (NAT66); 'routed' forwards it untranslated, for a prefix delegated to this host (the upstream router must route it here).", options = {
			@Option(label = "masquerade (NAT66)", value = "masquerade"), @Option(label = "routed (delegated prefix)", value = "routed") })
	String nat6() default "masquerade";

	@AttributeDefinition(name = "Egress interface", description = "Interface the client subnet is masqueraded out of; 'auto': any interface but the TUN, so NAT follows the default route wherever it moves.")
	String egress() default "auto";

	@AttributeDefinition(name = "Persistent", description = "Keep the device (TUNSETPERSIST) when the gateway stops, so a restart or update re-attaches to it.")
	boolean persist() default true;

	@AttributeDefinition(name = "Queues", description = "Number of queues (file descriptors) to open; more than 1 makes the device multiqueue (IFF_MULTI_QUEUE) so several threads can read it.", min = "1", max = "16")
	int queues() default 1;

	@AttributeDefinition(name = "Offloads", description = "Let the kernel hand over large TCP segments and unfinished checksums (IFF_VNET_HDR, TSO): the tunnel cuts them into packets itself and sends them with one UDP GSO call, instead of one read and one send per packet. A kernel that refuses them gets a device without. Changing it re-opens the device.")
	boolean offload() default true;

	@AttributeDefinition(name = "Clone device", description = "Path of the TUN clone device.")
	String device() default "/dev/net/tun";

	@AttributeDefinition(name = "Client isolation", description = "Clients reach the internet and their DNS servers only: not the gateway's own addresses, private (RFC 1918), unique local (fc00::/7), link-local, CGNAT (100.64.0.0/10), multicast or loopback ranges. 'allow' opens exceptions, 'deny' closes more. Changes apply live.")
	boolean isolation() default true;

	@AttributeDefinition(name = "Allow", description = "Networks (CIDR, IPv4 or IPv6) clients may reach although isolation blocks them, the gateway's own addresses included. Changes apply live.", required = false)
	String[] allow() default {};

	@AttributeDefinition(name = "Deny", description = "Networks (CIDR, IPv4 or IPv6) clients never reach, whatever else says so: deny wins over allow, DNS and client-to-client. Changes apply live.", required = false)
	String[] deny() default {};

	@AttributeDefinition(name = "Client to client", description = "Let clients reach each other through the gateway. Changes apply live.")
	boolean clientToClient() default false;

	@AttributeDefinition(name = "DNS servers", description = "IPv4 or IPv6 addresses of the DNS servers clients are given (keep equal to mobilegt.tunnel dns): isolation lets DNS (port 53) to them through even when they are private or the gateway itself. Changes apply live.", required = false)
	String[] dns() default { "8.8.8.8" };
}

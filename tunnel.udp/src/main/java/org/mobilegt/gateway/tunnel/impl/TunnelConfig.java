package org.mobilegt.gateway.tunnel.impl;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = TunnelConfig.PID, name = "mobilegt UDP tunnel",
		description = "The UDP side phones talk to: where it listens and what it tells clients in the handshake. Changes apply live; a bind or port change rebinds the socket (clients must reconnect to the new port).")
public @interface TunnelConfig {

	String PID = "mobilegt.tunnel";

	@AttributeDefinition(name = "Bind address", description = "Local address to listen on: :: = all, both IPv4 and IPv6 (dual stack); 0.0.0.0 = all IPv4 only; any other address listens on that address's family only.")
	String bind() default "::";

	@AttributeDefinition(name = "Port", description = "UDP port to listen on.", min = "1", max = "65535")
	int port() default 8000;

	@AttributeDefinition(name = "Advertised MTU", description = "MTU told to clients in the handshake reply; datagrams larger than the TUN device's MTU are dropped.", min = "576", max = "65535")
	int mtu() default 1400;

	@AttributeDefinition(name = "DNS servers", description = "DNS servers pushed to clients (IPv4 or IPv6 addresses; IPv6 ones only to clients with an IPv6 address).")
	String[] dns() default { "8.8.8.8" };

	@AttributeDefinition(name = "Routes", description = "Routes pushed to clients (IPv4 CIDR).")
	String[] routes() default { "0.0.0.0/0" };

	@AttributeDefinition(name = "IPv6 routes", description = "IPv6 routes pushed to clients that lease an IPv6 address (IPv6 CIDR); ::/0 sends all their IPv6 traffic through the tunnel.")
	String[] routes6() default { "::/0" };

	@AttributeDefinition(name = "Search domain", description = "DNS search domain pushed to clients; empty for none.")
	String searchDomain() default "";

	@AttributeDefinition(name = "Reply repeats", description = "Times each handshake reply is sent (UDP may lose one).", min = "1", max = "10")
	int replyRepeats() default 3;

	@AttributeDefinition(name = "Keepalive (s)", description = "Send a keepalive to a client after this many seconds without sending it anything.", min = "1", max = "3600")
	int keepaliveSeconds() default 10;

	@AttributeDefinition(name = "Idle timeout (s), deprecated", description = "Deprecated: set idleTimeoutSeconds in mobilegt.sessions, which enforces it. 0 = not set; a value from 5 to 86400 still applies, instead of mobilegt.sessions' one.", min = "0", max = "86400")
	int idleTimeoutSeconds() default 0;

	@AttributeDefinition(name = "Control workers", description = "Threads that handle handshakes and control messages; 0 = number of cores.", min = "0", max = "64")
	int workers() default 0;

	@AttributeDefinition(name = "Reply bytes per source (per s)", description = "Handshake replies and re-handshake hints one source address (an IPv6 sender: its /64) may get per second, with one second of burst; replies over it wait up to 3 s, then are not sent. Bounds what a spoofed handshake can aim at a victim; the default serves a reconnect storm of about 200 ToyVpn clients behind one NAT address within their 5 s handshake timeout.", min = "1024", max = "1073741824")
	int replyBytesPerSource() default 65536;

	@AttributeDefinition(name = "Reply bytes per second", description = "Handshake replies and hints the whole gateway sends per second, with one second of burst; over it, replies wait up to 3 s, then are not sent.", min = "1024", max = "1073741824")
	int replyBytesPerSecond() default 4 * 1024 * 1024;

	@AttributeDefinition(name = "Socket buffer (bytes)", description = "Kernel receive and send buffer of the UDP socket.", min = "65536", max = "268435456")
	int socketBufferBytes() default 4 * 1024 * 1024;

	@AttributeDefinition(name = "Receive offload (UDP GRO)", description = "Let the kernel hand over several datagrams of one client as one (UDP GRO, Linux 5.0 and newer): fewer receives under load; the gateway takes them apart again. Where the network driver merges nothing it changes nothing. On applies at once, off from the socket's next bind (a restart, bind or port change).")
	boolean receiveOffload() default true;

	@AttributeDefinition(name = "Uplink sockets", description = "UDP sockets on the port (SO_REUSEPORT), each with its own receiving thread; a client's data goes to the socket its tunnel address picks (the session manager leases addresses evenly over the sockets), each client staying on one; handshakes and keepalives by the kernel's hash of address and port. 0 = one per core. Many clients at once get through faster with more; one client gains nothing. A change binds the new sockets beside the old ones, then closes those: sessions stay.", min = "0", max = "16")
	int uplinks() default 0;
}

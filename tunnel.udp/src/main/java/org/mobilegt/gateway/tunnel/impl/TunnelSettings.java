package org.mobilegt.gateway.tunnel.impl;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.net.api.HostBitsException;
import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.net.api.IpPrefix;

/**
 * The validated form of {@link TunnelConfig}, and the handshake reply it implies. IPv6 routes
 * ({@code routes6}) and IPv6 DNS servers go only to clients that lease an IPv6 address.
 */
record TunnelSettings(InetAddress bind, int port, int mtu, List<IpAddress> dns, List<String> routes, String searchDomain,
		int replyRepeats, long keepaliveMillis, int legacyIdleSeconds, int workers, int socketBufferBytes, int replyBytesPerSource,
		int replyBytesPerSecond, List<String> routes6, boolean receiveOffload, int uplinks) {

	/** Size of a handshake reply: the reference server pads its parameters with spaces to 1024 bytes. */
	static final int REPLY_SIZE = 1024;
	/** The longest IPv6 address text, for the worst case of the reply's size. */
	private static final IpAddress LONGEST6 = IpAddress.ofIpv6(-1L, -1L);
	private static final Pattern DOMAIN = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*");

	static TunnelSettings of(TunnelConfig c) {
		String pid = TunnelConfig.PID;
		InetAddress bind = bind(c.bind());
		range(pid, "port", c.port(), 1, 65535);
		range(pid, "mtu", c.mtu(), 576, 65535);
		List<IpAddress> dns = new ArrayList<>();
		for (String d : c.dns()) {
			if (!d.isBlank()) {
				dns.add(address(d));
			}
		}
		List<String> routes = new ArrayList<>();
		for (String r : c.routes()) {
			if (!r.isBlank()) {
				routes.add(route(r.strip(), "routes", true));
			}
		}
		List<String> routes6 = new ArrayList<>();
		for (String r : c.routes6()) {
			if (!r.isBlank()) {
				routes6.add(route(r.strip(), "routes6", false));
			}
		}
		String search = c.searchDomain().strip();
		if (!search.isEmpty() && (search.length() > 253 || !DOMAIN.matcher(search).matches())) {
			throw new ConfigValueException(pid, "searchDomain", search, "must be a domain name");
		}
		range(pid, "replyRepeats", c.replyRepeats(), 1, 10);
		range(pid, "keepaliveSeconds", c.keepaliveSeconds(), 1, 3600);
		if (c.idleTimeoutSeconds() != 0) {
			range(pid, "idleTimeoutSeconds", c.idleTimeoutSeconds(), 5, 86400); // deprecated, see SessionManager.legacyIdleTimeout
		}
		range(pid, "workers", c.workers(), 0, 64);
		range(pid, "socketBufferBytes", c.socketBufferBytes(), 65536, 268435456);
		range(pid, "replyBytesPerSource", c.replyBytesPerSource(), 1024, 1 << 30);
		range(pid, "replyBytesPerSecond", c.replyBytesPerSecond(), 1024, 1 << 30);
		range(pid, "uplinks", c.uplinks(), 0, UplinkSockets.MAX);
		int cores = Runtime.getRuntime().availableProcessors();
		TunnelSettings settings = new TunnelSettings(bind, c.port(), c.mtu(), List.copyOf(dns), List.copyOf(routes), search,
				c.replyRepeats(), c.keepaliveSeconds() * 1000L, c.idleTimeoutSeconds(),
				c.workers() == 0 ? cores : c.workers(), c.socketBufferBytes(), c.replyBytesPerSource(), c.replyBytesPerSecond(),
				List.copyOf(routes6), c.receiveOffload(), c.uplinks() == 0 ? Math.min(cores, UplinkSockets.MAX) : c.uplinks());
		// the longest addresses a client can lease: what fits for it fits for every client
		int worst = settings.parameters(-1, LONGEST6).length();
		if (worst >= REPLY_SIZE) {
			throw new ConfigValueException(pid, routes6.size() > routes.size() ? "routes6" : "routes", routes.size() + " routes, "
					+ routes6.size() + " IPv6 routes and " + dns.size() + " DNS servers",
					"do not fit in the " + REPLY_SIZE + "-byte handshake reply (" + worst + " bytes of parameters, at most "
							+ (REPLY_SIZE - 1) + "): remove some; nothing is cut off on the wire");
		}
		return settings;
	}

	private static void range(String pid, String key, int v, int min, int max) {
		if (v < min || v > max) {
			throw new ConfigValueException(pid, key, v, "must be between " + min + " and " + max);
		}
	}

	/**
	 * Where to listen: {@code ::} both families (dual stack), {@code 0.0.0.0} IPv4 only, any other
	 * address its family only. A v4-mapped address is refused: it would silently mean IPv4.
	 */
	private static InetAddress bind(String text) {
		IpAddress a;
		try {
			a = IpAddress.parse(text.strip());
		} catch (IllegalArgumentException e) {
			throw new ConfigValueException(TunnelConfig.PID, "bind", text,
					"must be an IP address: :: for both families, 0.0.0.0 for IPv4 only, or one local address");
		}
		if (a.isIpv4Mapped()) {
			throw new ConfigValueException(TunnelConfig.PID, "bind", text, "is a v4-mapped address: write the IPv4 address "
					+ IpAddress.formatIpv4((int) a.low()) + " (IPv4 only) or :: (both families)");
		}
		return a.toInetAddress();
	}

	/** A DNS server: an IPv4 or IPv6 address literal (never a name lookup). */
	private static IpAddress address(String text) {
		try {
			return IpAddress.parse(text.strip());
		} catch (IllegalArgumentException e) {
			throw new ConfigValueException(TunnelConfig.PID, "dns", text, "must be IPv4 or IPv6 addresses");
		}
	}

	/**
	 * "address,prefix" from "address/prefix" of the family {@code key} takes, checked. Host bits
	 * are refused: Android's VpnService.Builder.addRoute throws on them, which would fail every
	 * client's handshake.
	 */
	private static String route(String cidr, String key, boolean ipv4) {
		String rule = ipv4 ? "must be IPv4 CIDR routes, e.g. 0.0.0.0/0" : "must be IPv6 CIDR routes, e.g. ::/0 or 2000::/3";
		IpPrefix p;
		try {
			p = IpPrefix.parse(cidr);
		} catch (HostBitsException e) {
			throw new ConfigValueException(TunnelConfig.PID, key, cidr,
					e.network().isIpv4() == ipv4 ? "has host bits set; did you mean " + e.network() + "?" : rule);
		} catch (IllegalArgumentException e) {
			throw new ConfigValueException(TunnelConfig.PID, key, cidr, rule);
		}
		if (p.isIpv4() != ipv4) {
			throw new ConfigValueException(TunnelConfig.PID, key, cidr, rule);
		}
		return p.address() + "," + p.length();
	}

	/** Same sockets? Otherwise a change must rebind. */
	boolean sameSocket(TunnelSettings o) {
		return o != null && bind.equals(o.bind) && port == o.port && uplinks == o.uplinks;
	}

	/**
	 * The handshake reply for a client leased {@code address} and {@code address6} (null: none): a 0
	 * byte, then {@code m,<mtu> a,<address>,32 a,<address6>,128 r,<route>,<prefix>... d,<dns>...
	 * s,<domain>}, single spaces between items (the Android client splits on each space), padded
	 * with spaces to {@link #REPLY_SIZE} bytes as the ToyVpn reference server does.
	 */
	byte[] handshakeReply(int address, IpAddress address6) {
		byte[] reply = new byte[REPLY_SIZE];
		Arrays.fill(reply, (byte) ' ');
		reply[0] = 0;
		byte[] text = parameters(address, address6).getBytes(StandardCharsets.US_ASCII);
		System.arraycopy(text, 0, reply, 1, text.length);
		return reply;
	}

	/**
	 * The parameters text of the reply (checked at validation to fit). A client without an IPv6
	 * address gets no IPv6 routes and DNS servers: it could not reach them through the tunnel.
	 */
	private String parameters(int address, IpAddress address6) {
		boolean v6 = address6 != null;
		StringBuilder sb = new StringBuilder();
		sb.append("m,").append(mtu).append(" a,").append(IpAddress.formatIpv4(address)).append(",32");
		if (v6) {
			sb.append(" a,").append(address6).append(",128");
		}
		routes.forEach(r -> sb.append(" r,").append(r));
		if (v6) {
			routes6.forEach(r -> sb.append(" r,").append(r));
		}
		dns.stream().filter(d -> v6 || d.isIpv4()).forEach(d -> sb.append(" d,").append(d));
		if (!searchDomain.isEmpty()) {
			sb.append(" s,").append(searchDomain);
		}
		return sb.toString();
	}

	/** The re-handshake hint: 0 then " x,rehandshake". */
	static final byte[] REHANDSHAKE = "\0 x,rehandshake".getBytes(StandardCharsets.US_ASCII);
	/** A keepalive: a single 0 byte. */
	static final byte[] KEEPALIVE = { 0 };
}

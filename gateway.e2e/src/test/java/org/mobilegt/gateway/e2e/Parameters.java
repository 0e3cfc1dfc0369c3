package org.mobilegt.gateway.e2e;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The parameters of a handshake reply ({@code docs/protocol.md}): the text after the 0 byte,
 * {@code m,<mtu> a,<address>,<prefix> r,<route>,<prefix> d,<dns> s,<domain>}, trimmed and split on
 * spaces and commas like ToyVpn does; unknown letters are ignored. An IPv6 {@code a,} item (a dual-stack
 * gateway's) is {@code address6}, IPv6 {@code r,} items are {@code routes6} ("address/prefix"); DNS
 * servers of either family are in {@code dns}.
 */
public record Parameters(int mtu, String address, int prefix, List<Route> routes, List<String> dns,
		List<String> searchDomains, String address6, List<String> routes6) {

	/** A route the server pushes: {@code address/prefix}. */
	public record Route(String address, int prefix) {

		public Route {
			Packets.address(address);
			if (prefix < 0 || prefix > 32) {
				throw new IllegalArgumentException("route prefix out of range: " + address + "/" + prefix);
			}
		}

		/** "a.b.c.d/p". */
		public static Route of(String cidr) {
			int slash = cidr.indexOf('/');
			if (slash < 0) {
				throw new IllegalArgumentException("not address/prefix: " + cidr);
			}
			return new Route(cidr.substring(0, slash), Integer.parseInt(cidr.substring(slash + 1)));
		}

		public boolean isDefault() {
			return prefix == 0;
		}

		/** Whether {@code ip} is inside this route's network. */
		public boolean contains(String ip) {
			long mask = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
			return (toLong(ip) & mask) == (toLong(address) & mask);
		}

		private static long toLong(String ip) {
			byte[] a = Packets.address(ip);
			return ((a[0] & 0xffL) << 24) | ((a[1] & 0xffL) << 16) | ((a[2] & 0xffL) << 8) | (a[3] & 0xffL);
		}

		@Override
		public String toString() {
			return address + "/" + prefix;
		}
	}

	public Parameters {
		routes = List.copyOf(routes);
		routes6 = List.copyOf(routes6);
		dns = List.copyOf(dns);
		searchDomains = List.copyOf(searchDomains);
	}

	/** Parses a whole reply datagram (first byte 0). */
	public static Parameters parse(byte[] datagram, int length) {
		if (length < 2 || datagram[0] != 0) {
			throw new IllegalArgumentException("not a control message: a handshake reply starts with a 0 byte");
		}
		return parse(new String(datagram, 1, length - 1, StandardCharsets.US_ASCII));
	}

	/**
	 * Parses the text after the 0 byte (surrounding spaces, padding and NULs are trimmed).
	 *
	 * @throws IllegalArgumentException if mtu or address is missing or a field is malformed
	 */
	public static Parameters parse(String text) {
		Integer mtu = null;
		String address = null;
		int prefix = 32;
		String address6 = null;
		List<String> routes6 = new ArrayList<>();
		List<Route> routes = new ArrayList<>();
		List<String> dns = new ArrayList<>();
		List<String> search = new ArrayList<>();
		for (String token : text.trim().split(" +")) {
			String[] f = token.split(",");
			try {
				switch (f[0]) {
				case "m" -> mtu = Integer.parseInt(f[1]);
				case "a" -> {
					if (f[1].contains(":")) {
						address6 = ipv6(f[1], Integer.parseInt(f[2]));
					} else {
						address = f[1];
						Packets.address(address);
						prefix = Integer.parseInt(f[2]);
					}
				}
				case "r" -> {
					if (f[1].contains(":")) {
						routes6.add(ipv6(f[1], Integer.parseInt(f[2])) + "/" + f[2]);
					} else {
						routes.add(new Route(f[1], Integer.parseInt(f[2])));
					}
				}
				case "d" -> dns.add(f[1]);
				case "s" -> search.add(f[1]);
				default -> {
					// a parameter this client does not know: ToyVpn ignores those too
				}
				}
			} catch (ArrayIndexOutOfBoundsException | IllegalArgumentException e) {
				throw new IllegalArgumentException("malformed parameter \"" + token + "\" in handshake reply \"" + text.trim() + '"', e);
			}
		}
		if (mtu == null || address == null) {
			throw new IllegalArgumentException("handshake reply without " + (mtu == null ? "m,<mtu>" : "a,<address>,<prefix>")
					+ ": \"" + text.trim() + '"');
		}
		return new Parameters(mtu, address, prefix, routes, dns, search, address6, routes6);
	}

	/** An IPv6 address literal (Java parses a text with ':' as one, never a name) with a prefix 0-128. */
	private static String ipv6(String text, int prefix) {
		if (prefix < 0 || prefix > 128) {
			throw new IllegalArgumentException("IPv6 prefix out of range: " + text + "/" + prefix);
		}
		try {
			if (InetAddress.getByName(text) instanceof Inet6Address) {
				return text;
			}
		} catch (UnknownHostException e) {
			// not an address: refused below
		}
		throw new IllegalArgumentException("not an IPv6 address: " + text);
	}
}

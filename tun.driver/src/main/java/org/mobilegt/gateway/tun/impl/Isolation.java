package org.mobilegt.gateway.tun.impl;

import java.util.ArrayList;
import java.util.List;

import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.net.api.HostBitsException;
import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.net.api.IpPrefix;

/**
 * What clients may reach, validated: the networks in {@code allow} and {@code deny} in canonical
 * CIDR form, the DNS servers as plain addresses, each of either family. A wrong entry is refused with its key and value.
 */
record Isolation(boolean on, List<String> allow, List<String> deny, boolean clientToClient, List<String> dns) {

	/**
	 * What isolation blocks: "this" network, RFC 1918, CGNAT (RFC 6598), loopback, link-local
	 * (cloud metadata at 169.254.169.254 included), multicast and the reserved/broadcast range.
	 */
	static final List<String> BLOCKED = List.of("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
			"169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4");

	/**
	 * The same for IPv6: unspecified, loopback, v4-mapped (the IPv4 ranges through the back door),
	 * discard-only (RFC 6666), local-use NAT64 (RFC 8215), unique local (the client prefix itself is
	 * left to the client-to-client rule before), link-local, site-local and multicast.
	 */
	static final List<String> BLOCKED6 = List.of("::/128", "::1/128", "::ffff:0:0/96", "64:ff9b:1::/48", "100::/64",
			"fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8");

	Isolation {
		allow = networks("allow", allow);
		deny = networks("deny", deny);
		dns = addresses(dns);
	}

	static Isolation of(TunConfig c) {
		return new Isolation(c.isolation(), list(c.allow()), list(c.deny()), c.clientToClient(), list(c.dns()));
	}

	private static List<String> list(String[] values) {
		return values == null ? List.of() : List.of(values);
	}

	private static List<String> networks(String key, List<String> values) {
		List<String> out = new ArrayList<>();
		for (String v : values) {
			if (v == null || v.isBlank()) {
				continue; // an empty entry of a list edited by hand
			}
			out.add(network(key, v).toString());
		}
		return List.copyOf(out);
	}

	private static List<String> addresses(List<String> values) {
		List<String> out = new ArrayList<>();
		for (String v : values) {
			if (v == null || v.isBlank()) {
				continue;
			}
			try {
				out.add(IpAddress.parse(v.trim()).toString());
			} catch (IllegalArgumentException e) {
				throw new ConfigValueException(TunConfig.PID, "dns", v, "is not an IP address (e.g. 8.8.8.8 or 2001:4860:4860::8888)");
			}
		}
		return List.copyOf(out);
	}

	/** Whether a canonical address or network of these lists is IPv6 (nft: {@code ip6} rather than {@code ip}). */
	static boolean isIpv6(String canonical) {
		return canonical.indexOf(':') >= 0;
	}

	/**
	 * A network {@code a.b.c.d/n} or {@code 2001:db8::/32}, or a single address (a /32 or /128).
	 * Its canonical text is all that reaches the nft script: hex digits, dots, colons and a slash,
	 * whatever was configured.
	 */
	private static IpPrefix network(String key, String v) {
		String t = v.trim();
		try {
			return t.indexOf('/') < 0 ? IpPrefix.parseCovering(t) : IpPrefix.parse(t);
		} catch (HostBitsException e) {
			throw new ConfigValueException(TunConfig.PID, key, v, "has host bits set; did you mean " + e.network() + "?");
		} catch (IllegalArgumentException e) {
			throw new ConfigValueException(TunConfig.PID, key, v,
					"is not a network in CIDR notation (e.g. 192.168.1.0/24, 192.168.1.7 or 2001:db8::/32)");
		}
	}
}

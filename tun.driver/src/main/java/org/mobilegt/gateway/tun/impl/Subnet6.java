package org.mobilegt.gateway.tun.impl;

import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.net.api.HostBitsException;
import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.net.api.IpPrefix;

/**
 * The rules of {@code subnet6}: a global unicast (2000::/3) or unique local (fc00::/7) prefix of
 * /64 to /126, written as a network. Clients get /128s from it and the gateway takes {@code ::1},
 * so a /126 still leaves two clients; link-local, multicast, loopback, site-local, v4-mapped and
 * the other special ranges outside those two are refused, as no router would forward them.
 */
final class Subnet6 {

	static final int LONGEST = 126;
	static final int SHORTEST = 64;

	private Subnet6() {
	}

	/** The canonical text of a valid {@code subnet6}; a clear refusal otherwise. */
	static String check(String text) {
		String rule = "must be an IPv6 prefix of /" + SHORTEST + " to /" + LONGEST + ", e.g. fd12:3456:789a::/64, "
				+ "'auto' or empty (no IPv6)";
		IpPrefix p;
		try {
			p = IpPrefix.parse(text.trim());
		} catch (HostBitsException e) {
			throw new ConfigValueException(TunConfig.PID, "subnet6", text,
					e.network().isIpv4() ? rule : "has host bits set; did you mean " + e.network() + "?");
		} catch (IllegalArgumentException e) {
			throw new ConfigValueException(TunConfig.PID, "subnet6", text, rule);
		}
		if (p.isIpv4() || p.length() < SHORTEST || p.length() > LONGEST) {
			throw new ConfigValueException(TunConfig.PID, "subnet6", text, rule);
		}
		int top = (int) (p.address().high() >>> 56);
		boolean globalUnicast = (top & 0xE0) == 0x20;
		boolean uniqueLocal = (top & 0xFE) == 0xFC;
		if (!globalUnicast && !uniqueLocal) {
			throw new ConfigValueException(TunConfig.PID, "subnet6", text, "is not routable unicast (" + kind(top)
					+ "): use a global (2000::/3) or unique local (fc00::/7) prefix");
		}
		return p.toString();
	}

	/** The gateway's own address in the prefix: {@code <prefix>::1}. */
	static IpAddress gateway(IpPrefix p) {
		return IpAddress.ofIpv6(p.address().high(), p.address().low() | 1);
	}

	private static String kind(int top) {
		return top == 0xFF ? "multicast" : top == 0xFE ? "link-local or site-local" : top == 0 ? "loopback, v4-mapped or reserved" : "reserved";
	}
}

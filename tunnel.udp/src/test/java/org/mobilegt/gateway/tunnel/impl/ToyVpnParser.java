package org.mobilegt.gateway.tunnel.impl;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.mobilegt.gateway.net.api.IpAddress;

/**
 * Parses a handshake reply the way the Android SDK's ToyVpnConnection.configure() does: the bytes
 * after the first, trimmed, split on each single space, each item split on commas and dispatched
 * on its first letter; a bad number is "Bad parameter". Where the client hands a string to
 * VpnService.Builder (which takes numeric addresses only), this parser checks it is an address
 * literal of the right family and prefix length, as Builder would.
 */
final class ToyVpnParser {

	record Config(int mtu, List<String> addresses, List<String> routes, List<String> dns, List<String> searchDomains) {
	}

	static Config parse(byte[] reply) {
		String parameters = new String(reply, 1, reply.length - 1, StandardCharsets.US_ASCII).trim();
		int mtu = 0;
		List<String> addresses = new ArrayList<>();
		List<String> routes = new ArrayList<>();
		List<String> dns = new ArrayList<>();
		List<String> search = new ArrayList<>();
		for (String parameter : parameters.split(" ")) {
			String[] fields = parameter.split(",");
			try {
				switch (fields[0].charAt(0)) { // an empty item (two spaces) throws here, as on Android
				case 'm' -> mtu = Short.parseShort(fields[1]);
				case 'a' -> addresses.add(prefix(fields[1], Integer.parseInt(fields[2])));
				case 'r' -> routes.add(prefix(fields[1], Integer.parseInt(fields[2])));
				case 'd' -> dns.add(IpAddress.parse(fields[1]).toString());
				case 's' -> search.add(fields[1]);
				default -> {
					// the client ignores other letters
				}
				}
			} catch (NumberFormatException e) {
				throw new IllegalArgumentException("Bad parameter: " + parameter);
			}
		}
		return new Config(mtu, addresses, routes, dns, search);
	}

	private static String prefix(String address, int length) {
		IpAddress a = IpAddress.parse(address);
		if (length < 0 || length > a.bits()) {
			throw new IllegalArgumentException("Bad prefix length " + length + " for " + address);
		}
		return a + "/" + length;
	}

	private ToyVpnParser() {
	}
}

package org.mobilegt.gateway.net.api;

import inet.ipaddr.AddressStringException;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.IPAddressStringParameters;

/**
 * The text forms, on the ipaddress library (kept out of the API's signatures so that it can be
 * replaced). Only plain literals pass: no names, zones, masks, ranges, wildcards, inet_aton forms
 * (1.2.3, 0x7f.1, octal) or IPv4 leading zeros, which some tools read as octal and others not.
 */
final class Literals {

	static final String RULE = "IPv4 is four decimal numbers 0-255 without leading zeros (192.0.2.1), "
			+ "IPv6 is RFC 4291 text without a zone (2001:db8::1)";

	private static final IPAddressStringParameters STRICT = strict();

	private static IPAddressStringParameters strict() {
		IPAddressStringParameters.Builder b = new IPAddressStringParameters.Builder().allowEmpty(false).allowAll(false)
				.allowSingleSegment(false).allowMask(false).allowPrefix(false).allowWildcardedSeparator(false)
				.setRangeOptions(IPAddressStringParameters.RangeParameters.NO_RANGE);
		b.getIPv4AddressParametersBuilder().allow_inet_aton(false).allowLeadingZeros(false);
		b.getIPv6AddressParametersBuilder().allowUnlimitedLeadingZeros(false).allowZone(false).allowMixed(true)
				.allowBase85(false).getEmbeddedIPv4AddressParametersBuilder().allow_inet_aton(false).allowLeadingZeros(false);
		return b.toParams();
	}

	private Literals() {
	}

	static IpAddress address(String text) {
		if (text == null) {
			throw new IllegalArgumentException("null is not an IP address: " + RULE);
		}
		for (int i = 0; i < text.length(); i++) {
			if (text.charAt(i) <= ' ' || text.charAt(i) >= 0x7F) {
				throw new IllegalArgumentException(quote(text) + " is not an IP address: it contains a space or a character "
						+ "outside printable ASCII; " + RULE);
			}
		}
		IPAddress a;
		try {
			a = new IPAddressString(text, STRICT).toAddress();
		} catch (AddressStringException e) {
			throw new IllegalArgumentException(quote(text) + " is not an IP address (" + detail(e) + "): " + RULE);
		}
		return IpAddress.of(a.getBytes());
	}

	/**
	 * RFC 5952 section 4: lower case, no leading zeros, the first longest run (2+) of zero groups as
	 * "::". Written out rather than through the library, whose formatting builds a segment object
	 * per group: events, logs and the state file format one per handshake.
	 */
	static String ipv6(long high, long low) {
		int runStart = -1;
		int runLength = 1; // a single zero group stays "0"
		for (int i = 0, length = 0; i < 8; i++) {
			length = group(high, low, i) == 0 ? length + 1 : 0;
			if (length > runLength) {
				runLength = length;
				runStart = i - length + 1;
			}
		}
		StringBuilder sb = new StringBuilder(39);
		for (int i = 0; i < 8; i++) {
			if (i == runStart) {
				sb.append("::");
				i += runLength - 1;
				continue;
			}
			if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
				sb.append(':');
			}
			sb.append(Integer.toHexString(group(high, low, i)));
		}
		return sb.toString();
	}

	private static int group(long high, long low, int i) {
		return (int) ((i < 4 ? high >>> (48 - 16 * i) : low >>> (48 - 16 * (i - 4))) & 0xFFFF);
	}

	/** The text with anything outside printable ASCII as '?' and cut to 80 characters, in single quotes. */
	static String quote(String text) {
		StringBuilder sb = new StringBuilder("'");
		for (int i = 0; i < text.length() && i < 80; i++) {
			char c = text.charAt(i);
			sb.append(c >= 0x20 && c < 0x7F ? c : '?');
		}
		return sb.append(text.length() > 80 ? "...'" : "'").toString();
	}

	private static String detail(AddressStringException e) {
		String m = String.valueOf(e.getMessage());
		int i = m.indexOf("error: ");
		return i < 0 ? m : m.substring(i + 7);
	}
}

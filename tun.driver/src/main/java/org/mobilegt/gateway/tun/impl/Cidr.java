package org.mobilegt.gateway.tun.impl;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An IPv4 network (address and prefix length). Parsed strictly and written back in canonical form,
 * so a value that reaches an nft script is always digits, dots and a slash.
 */
record Cidr(int address, int prefix) {

	private static final Pattern FORM = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})(?:/(\\d{1,2}))?");

	Cidr {
		if (prefix < 0 || prefix > 32) {
			throw new IllegalArgumentException("prefix " + prefix);
		}
	}

	/** {@code a.b.c.d/n} or {@code a.b.c.d} (a /32), host bits allowed; empty when it is not that. */
	static Optional<Cidr> parse(String text) {
		Matcher m = text == null ? null : FORM.matcher(text.trim());
		if (m == null || !m.matches()) {
			return Optional.empty();
		}
		int address = 0;
		for (int i = 1; i <= 4; i++) {
			int octet = Integer.parseInt(m.group(i));
			if (octet > 255) {
				return Optional.empty();
			}
			address = address << 8 | octet;
		}
		int prefix = m.group(5) == null ? 32 : Integer.parseInt(m.group(5));
		return prefix > 32 ? Optional.empty() : Optional.of(new Cidr(address, prefix));
	}

	private int mask() {
		return prefix == 0 ? 0 : -1 << (32 - prefix);
	}

	/** The network itself: the address with the host bits cleared. */
	Cidr network() {
		return new Cidr(address & mask(), prefix);
	}

	boolean hostBitsSet() {
		return (address & ~mask()) != 0;
	}

	/** True when the two share at least one address. */
	boolean overlaps(Cidr o) {
		int shorter = Math.min(prefix, o.prefix);
		int m = shorter == 0 ? 0 : -1 << (32 - shorter);
		return (address & m) == (o.address & m);
	}

	String addressText() {
		return (address >>> 24) + "." + (address >>> 16 & 255) + "." + (address >>> 8 & 255) + "." + (address & 255);
	}

	@Override
	public String toString() {
		return addressText() + "/" + prefix;
	}
}

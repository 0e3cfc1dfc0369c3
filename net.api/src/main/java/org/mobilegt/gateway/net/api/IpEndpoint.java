package org.mobilegt.gateway.net.api;

import java.net.InetSocketAddress;

/**
 * An address and a port (0-65535), immutable: {@code 192.0.2.1:8000} or {@code [2001:db8::1]:8000}.
 * Port 0 is allowed: it is how a socket asks for any port.
 */
public final class IpEndpoint {

	private final IpAddress address;
	private final int port;

	private IpEndpoint(IpAddress address, int port) {
		this.address = address;
		this.port = port;
	}

	public static IpEndpoint of(IpAddress address, int port) {
		if (port < 0 || port > 65535) {
			throw new IllegalArgumentException("the port of " + address + " must be between 0 and 65535, not " + port);
		}
		return new IpEndpoint(address, port);
	}

	/** The endpoint of a resolved socket address (an unresolved one is refused: no lookup is made). */
	public static IpEndpoint of(InetSocketAddress socket) {
		if (socket.isUnresolved()) {
			throw new IllegalArgumentException(socket.getHostString() + " is a name, not an address");
		}
		return of(IpAddress.of(socket.getAddress()), socket.getPort());
	}

	/**
	 * The endpoint of {@code a.b.c.d:port} or {@code [ipv6]:port}.
	 *
	 * @throws IllegalArgumentException naming the text and the rule it breaks
	 */
	public static IpEndpoint parse(String text) {
		int colon = text == null ? -1 : text.lastIndexOf(':');
		if (colon < 0) {
			throw bad(text, "no port");
		}
		String host = text.substring(0, colon);
		String port = text.substring(colon + 1);
		boolean bracketed = host.startsWith("[") && host.endsWith("]");
		IpAddress a = IpAddress.parse(bracketed ? host.substring(1, host.length() - 1) : host);
		if (a.isIpv6() != bracketed) {
			throw bad(text, a.isIpv6() ? "an IPv6 address must be in brackets" : "only IPv6 addresses go in brackets");
		}
		if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')
				|| (port.length() > 1 && port.charAt(0) == '0') || Integer.parseInt(port) > 65535) {
			throw bad(text, "the port must be a decimal number from 0 to 65535 without leading zeros");
		}
		return new IpEndpoint(a, Integer.parseInt(port));
	}

	private static IllegalArgumentException bad(String text, String why) {
		return new IllegalArgumentException((text == null ? "null" : Literals.quote(text)) + " is not an endpoint (" + why
				+ "): expected a.b.c.d:port or [ipv6]:port");
	}

	public IpAddress address() {
		return address;
	}

	public int port() {
		return port;
	}

	public InetSocketAddress toSocketAddress() {
		return new InetSocketAddress(address.toInetAddress(), port);
	}

	@Override
	public String toString() {
		return address.isIpv4() ? address + ":" + port : "[" + address + "]:" + port;
	}

	@Override
	public boolean equals(Object o) {
		return o instanceof IpEndpoint e && e.port == port && e.address.equals(address);
	}

	@Override
	public int hashCode() {
		return address.hashCode() * 31 + port;
	}
}

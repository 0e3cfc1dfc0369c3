package org.mobilegt.gateway.session.api;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.net.api.IpAddress;

/**
 * IPv4 UDP endpoints packed into a long ({@code address << 16 | port}).
 *
 * @deprecated moved to the address vocabulary: {@link EndpointKey}, and {@link IpAddress} for the
 *             address forms; this delegate goes with the next major version of this package.
 */
@Deprecated
public final class Endpoint {

	private Endpoint() {
	}

	public static long key(int address, int port) {
		return EndpointKey.key(address, port);
	}

	public static int address(long key) {
		return EndpointKey.address(key);
	}

	public static int port(long key) {
		return EndpointKey.port(key);
	}

	/** The key of an IPv4 socket address. */
	public static long key(InetSocketAddress address) {
		return EndpointKey.key(address);
	}

	public static InetSocketAddress toSocketAddress(long key) {
		return EndpointKey.toSocketAddress(key);
	}

	/** "a.b.c.d:port". */
	public static String format(long key) {
		return EndpointKey.format(key);
	}

	/** "a.b.c.d" for an IPv4 address as int. */
	public static String formatAddress(int a) {
		return IpAddress.formatIpv4(a);
	}

	public static int toInt(InetAddress address) {
		return EndpointKey.toInt(address);
	}

	public static InetAddress toInetAddress(int a) {
		return EndpointKey.toInetAddress(a);
	}
}

package org.mobilegt.gateway.net.api;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * IPv4 UDP endpoints packed into a long ({@code address << 16 | port}) so that the data path can
 * look sessions up without allocating. {@link IpEndpoint} is the same thing as an object, for
 * configuration and for both families.
 */
public final class EndpointKey {

	private EndpointKey() {
	}

	public static long key(int address, int port) {
		return (address & 0xFFFFFFFFL) << 16 | (port & 0xFFFF);
	}

	public static int address(long key) {
		return (int) (key >>> 16);
	}

	public static int port(long key) {
		return (int) (key & 0xFFFF);
	}

	/** The key of an IPv4 socket address. */
	public static long key(InetSocketAddress address) {
		return key(toInt(address.getAddress()), address.getPort());
	}

	/** The key of an IPv4 endpoint. */
	public static long key(IpEndpoint endpoint) {
		return key(endpoint.address().ipv4(), endpoint.port());
	}

	public static IpEndpoint toEndpoint(long key) {
		return IpEndpoint.of(IpAddress.ofIpv4(address(key)), port(key));
	}

	/** "a.b.c.d:port". */
	public static String format(long key) {
		return IpAddress.formatIpv4(address(key)) + ":" + port(key);
	}

	/** The 32-bit key of an IPv4 {@link InetAddress}; refuses IPv6. */
	public static int toInt(InetAddress address) {
		byte[] b = address.getAddress();
		if (b.length != 4) {
			throw new IllegalArgumentException("not an IPv4 address: " + address);
		}
		return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | b[3] & 0xFF;
	}

	public static InetAddress toInetAddress(int address) {
		return IpAddress.ofIpv4(address).toInetAddress();
	}
}

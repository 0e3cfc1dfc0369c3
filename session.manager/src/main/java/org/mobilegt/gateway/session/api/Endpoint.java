package org.mobilegt.gateway.session.api;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * IPv4 UDP endpoints packed into a long ({@code address << 16 | port}) so that the data path can
 * look sessions up without allocating.
 */
public final class Endpoint {

	private Endpoint() {
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

	/** "a.b.c.d:port". */
	public static String format(long key) {
		return formatAddress(address(key)) + ":" + port(key);
	}

	/** "a.b.c.d" for an IPv4 address as int. */
	public static String formatAddress(int a) {
		return (a >>> 24) + "." + (a >>> 16 & 0xFF) + "." + (a >>> 8 & 0xFF) + "." + (a & 0xFF);
	}

	public static int toInt(InetAddress address) {
		byte[] b = address.getAddress();
		if (b.length != 4) {
			throw new IllegalArgumentException("not an IPv4 address: " + address);
		}
		return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | b[3] & 0xFF;
	}

	public static InetAddress toInetAddress(int a) {
		try {
			return InetAddress.getByAddress(new byte[] { (byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a });
		} catch (UnknownHostException e) {
			throw new AssertionError(e); // four bytes are always a valid address
		}
	}
}

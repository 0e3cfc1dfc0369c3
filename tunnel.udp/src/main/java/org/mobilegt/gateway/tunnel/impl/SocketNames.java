package org.mobilegt.gateway.tunnel.impl;

import java.nio.ByteBuffer;

import org.mobilegt.gateway.net.api.EndpointKey;

/**
 * Endpoint keys to and from the socket address (sockaddr_in or sockaddr_in6) of a message, in
 * native memory viewed big-endian, without allocating. An IPv6 socket sees IPv4 senders as
 * v4-mapped addresses, which {@link EndpointKey#key6} folds back into IPv4 keys.
 */
final class SocketNames {

	private SocketNames() {
	}

	/** The key of the sender named at {@code base}: {@link EndpointKey#NONE} if the IPv6 key table refused it. */
	static long read(ByteBuffer names, int base) {
		int port = Short.toUnsignedInt(names.getShort(base + Sockets.SIN_PORT));
		if ((names.get(base + Sockets.SIN_FAMILY) & 0xFF) == Sockets.AF_INET6) { // sa_family: little-endian u16 < 256
			return EndpointKey.key6(names.getLong(base + Sockets.SIN6_ADDR), names.getLong(base + Sockets.SIN6_ADDR + 8), port);
		}
		return EndpointKey.key(names.getInt(base + Sockets.SIN_ADDR), port);
	}

	/**
	 * Names {@code endpoint} at {@code base} for a socket of family {@code inet6} (IPv6 sockets
	 * reach IPv4 endpoints by their v4-mapped address).
	 *
	 * @return the name's length; 0 when this socket cannot reach it (an IPv6 endpoint from an IPv4
	 *         socket, or a forgotten key), so that the kernel refuses the message instead of guessing
	 */
	static int write(ByteBuffer names, int base, long endpoint, boolean inet6) {
		if (!inet6) {
			if (EndpointKey.isIpv6(endpoint)) {
				return 0;
			}
			names.put(base + Sockets.SIN_FAMILY, (byte) Sockets.AF_INET).put(base + Sockets.SIN_FAMILY + 1, (byte) 0);
			names.putShort(base + Sockets.SIN_PORT, (short) EndpointKey.port(endpoint));
			names.putInt(base + Sockets.SIN_ADDR, EndpointKey.address(endpoint));
			names.putLong(base + Sockets.SIN_ADDR + 4, 0);
			return Sockets.SOCKADDR_IN_SIZE;
		}
		if (!EndpointKey.copyAddress6(endpoint, names, base + Sockets.SIN6_ADDR)) {
			return 0;
		}
		names.put(base + Sockets.SIN_FAMILY, (byte) Sockets.AF_INET6).put(base + Sockets.SIN_FAMILY + 1, (byte) 0);
		names.putShort(base + Sockets.SIN_PORT, (short) EndpointKey.port(endpoint));
		names.putInt(base + 4, 0); // flow info
		names.putInt(base + Sockets.SIN6_ADDR + 16, 0); // scope id
		return Sockets.SOCKADDR_IN6_SIZE;
	}
}

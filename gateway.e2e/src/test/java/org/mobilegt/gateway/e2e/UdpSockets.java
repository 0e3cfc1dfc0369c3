package org.mobilegt.gateway.e2e;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;

/** Many UDP sockets of an attacker or a crowd in a namespace: {@code perAddress} ports of each address. */
final class UdpSockets {

	private UdpSockets() {
	}

	static List<DatagramChannel> bind(String ns, List<String> addresses, int perAddress) {
		return Netns.inside(ns, () -> {
			List<DatagramChannel> list = new ArrayList<>(addresses.size() * perAddress);
			for (String a : addresses) {
				for (int i = 0; i < perAddress; i++) {
					list.add(DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress(a, 0)));
				}
			}
			return list;
		});
	}

	static void close(List<DatagramChannel> sockets) {
		for (DatagramChannel c : sockets) {
			try {
				c.close();
			} catch (IOException e) {
				// closing anyway
			}
		}
	}
}

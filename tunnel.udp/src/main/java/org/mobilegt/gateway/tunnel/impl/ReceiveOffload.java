package org.mobilegt.gateway.tunnel.impl;

import java.util.List;

import org.osgi.service.log.Logger;

/**
 * Applies {@code receiveOffload} (UDP GRO) to the tunnel's sockets. Turning it off on a socket in
 * use would lose datagrams: the kernel hands over what it merged before without their segment size
 * once it is off, and they could not be taken apart. So a live change turns it on at once, and
 * off only from the sockets' next bind.
 */
final class ReceiveOffload {

	private ReceiveOffload() {
	}

	/** For sockets not read yet, or handed over with it off: as {@code s} says. */
	static void apply(List<UdpSocket> sockets, TunnelSettings s, Logger log) {
		if (s == null) {
			return;
		}
		boolean refused = false;
		for (UdpSocket socket : sockets) {
			refused |= socket.receiveOffload(s.receiveOffload()) != s.receiveOffload();
		}
		if (refused) {
			log.warn("Tunnel receive offload (UDP GRO) not available on this kernel (Linux 5.0 or newer has it): one receive per datagram");
		}
	}

	/** A live change to {@code s}. */
	static void changed(List<UdpSocket> sockets, TunnelSettings s, Logger log) {
		if (s.receiveOffload()) {
			apply(sockets, s, log);
		}
		log.info("Tunnel receive offload (UDP GRO) {}", !s.receiveOffload() ? "off from the socket's next bind (a restart, bind or port change)"
				: sockets.get(0).receiveOffload() ? "on" : "off (not available)");
	}
}

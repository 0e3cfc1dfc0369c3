package org.mobilegt.gateway.tunnel.impl;

import org.osgi.service.log.Logger;

/**
 * Applies {@code receiveOffload} (UDP GRO) to the tunnel's socket. Turning it off on a socket in use
 * would lose datagrams: the kernel hands over what it merged before without their segment size
 * once it is off, and they could not be taken apart. So a live change turns it on at once, and
 * off only from the socket's next bind.
 */
final class ReceiveOffload {

	private ReceiveOffload() {
	}

	/** For a socket not read yet, or one handed over with it off: as {@code s} says. */
	static void apply(UdpSocket socket, TunnelSettings s, Logger log) {
		if (s != null && socket.receiveOffload(s.receiveOffload()) != s.receiveOffload()) {
			log.warn("Tunnel receive offload (UDP GRO) not available on this kernel (Linux 5.0 or newer has it): one receive per datagram");
		}
	}

	/** A live change to {@code s}. */
	static void changed(UdpSocket socket, TunnelSettings s, Logger log) {
		if (s.receiveOffload()) {
			apply(socket, s, log);
		}
		log.info("Tunnel receive offload (UDP GRO) {}", !s.receiveOffload() ? "off from the socket's next bind (a restart, bind or port change)"
				: socket.receiveOffload() ? "on" : "off (not available)");
	}
}

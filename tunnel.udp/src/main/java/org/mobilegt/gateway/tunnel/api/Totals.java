package org.mobilegt.gateway.tunnel.api;

/**
 * Tunnel counters. "rx" is what came from clients over UDP, "tx" what went to clients.
 *
 * @param rxPackets        data packets from clients written to the TUN
 * @param rxBytes          their bytes
 * @param txPackets        packets read from the TUN and sent to clients
 * @param txBytes          their bytes
 * @param handshakesOk     handshakes accepted (repeats included)
 * @param handshakesFailed handshakes refused
 * @param keepalivesIn     keepalives received
 * @param keepalivesOut    keepalives sent
 * @param hints            re-handshake hints sent
 * @param sessions         live sessions now
 */
public record Totals(long rxPackets, long rxBytes, long txPackets, long txBytes, long handshakesOk,
		long handshakesFailed, long keepalivesIn, long keepalivesOut, long hints, int sessions) {
}

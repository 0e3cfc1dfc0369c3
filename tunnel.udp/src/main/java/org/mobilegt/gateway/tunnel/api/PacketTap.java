package org.mobilegt.gateway.tunnel.api;

import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard service: the tunnel hands it the packets of the sessions it selects through the
 * {@link #ADDRESSES} service property. Sessions no tap selects cost the data path one array read.
 */
@ConsumerType
public interface PacketTap {

	/**
	 * Service property: the tunnel addresses (dotted IPv4 strings) whose packets the tap wants, or
	 * {@code "*"} for every session. A session is selected by its IPv4 address and the tap gets
	 * its packets of both families. Updating the registration's properties changes the selection.
	 */
	String ADDRESSES = "mobilegt.tap.addresses";

	/**
	 * Called on the data path with one IP packet between {@code packet}'s position and limit. Must
	 * not block and must not keep or modify the buffer: copy what is needed.
	 *
	 * @param tunnelAddress the client's IPv4 tunnel address (for its IPv6 packets too)
	 * @param direction     which way the packet goes
	 */
	void packet(int tunnelAddress, Direction direction, ByteBuffer packet);
}

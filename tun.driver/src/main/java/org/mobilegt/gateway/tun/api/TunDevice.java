package org.mobilegt.gateway.tun.api;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * An open Linux TUN device ({@code IFF_TUN | IFF_NO_PI}): each read or write moves exactly one
 * IP packet. Registered as a service only while the device is open and configured.
 * <p>
 * Buffers must be direct; the packet is read into or written from {@code position..limit}
 * without copying. Reads and writes are thread-safe; several threads may read different queues.
 */
@ProviderType
public interface TunDevice {

	/** Service property: the interface name, e.g. {@code mgt0}. */
	String NAME = "tun.name";
	/** Service property: the MTU in bytes. */
	String MTU = "tun.mtu";
	/** Service property: the client subnet routed to the device, CIDR notation. */
	String SUBNET = "tun.subnet";
	/**
	 * Service property: the client IPv6 prefix routed to the device, e.g. {@code fd12:3456:789a::/64}
	 * (the gateway holds {@code <prefix>::1}; clients get /128s from the rest). Empty when IPv6 is
	 * off; absent from drivers before 1.2.
	 */
	String SUBNET6 = "tun.subnet6";
	/** Service property: {@link #offloadHeader()}. */
	String OFFLOAD_HEADER = "tun.offload.header";
	/**
	 * Service property (String[]): other tables' forward-hook chains with policy drop, as
	 * "family table chain" (e.g. {@code ip filter FORWARD} of Docker or ufw). Client traffic those
	 * chains do not accept themselves is dropped; empty when there is none.
	 */
	String FORWARD_BLOCKERS = "tun.forward.blockers";
	/**
	 * Service property (Boolean), set just before the service is unregistered because the driver's
	 * bundle is updated or refreshed: the device is handed over to the driver's next activation, and
	 * this object stays usable (reads and writes) for {@link #HANDOVER_MILLIS} after. A consumer may
	 * keep using it until the successor's service binds, so forwarding does not pause for the
	 * update; a read that returns -1 or a write that throws says it is no longer usable. Absent from
	 * drivers before 1.3.
	 */
	String HANDOVER = "tun.handover";
	/** How long a device handed over ({@link #HANDOVER}) stays usable after its unregistration. */
	long HANDOVER_MILLIS = 5000;
	/** Size of {@code struct virtio_net_hdr}, the offload header. */
	int VIRTIO_NET_HDR = 10;

	/** The interface name. */
	String name();

	/** The current MTU; can change live through configuration. */
	int mtu();

	/** The client subnet routed to this device, e.g. {@code 10.77.0.0/16}. */
	String subnet();

	/** How many queues (file descriptors) are open: 1 unless the device is multiqueue. */
	int queues();

	/**
	 * 0 when offloads are off. Otherwise {@link #VIRTIO_NET_HDR}: every packet read then starts with
	 * a {@code struct virtio_net_hdr} (little-endian: flags, gso_type, hdr_len, gso_size,
	 * csum_start, csum_offset) and may be a TCP segment of up to 64 KiB to be cut at gso_size, or
	 * carry an unfinished checksum (flag NEEDS_CSUM); every write must start with such a header
	 * too (all zeros for a plain, complete packet).
	 */
	int offloadHeader();

	/**
	 * Whether a write may also be a UDP segment for the kernel to cut at gso_size (gso_type
	 * {@code VIRTIO_NET_HDR_GSO_UDP_L4}, NEEDS_CSUM with the pseudo-header sum): only with offloads
	 * on, and only where the kernel takes it (Linux 6.2 and newer; older ones refuse the write).
	 * False from drivers before 1.5.
	 */
	default boolean writesUdpSegments() {
		return false;
	}

	/**
	 * Reads one IP packet from a queue into {@code dst} at its position and advances the position.
	 * Several threads may read one queue (each packet goes to one of them), but only one of them
	 * may wait ({@code timeoutMillis} above 0); a read with 0 is one non-blocking system call.
	 *
	 * @param queue         0 .. {@link #queues()} - 1
	 * @param timeoutMillis how long to wait for a packet; 0 returns at once
	 * @return the packet length, 0 when none arrived in time, -1 when the device was closed
	 * @throws IOException on a kernel error, e.g. {@code dst} too small for the packet
	 */
	int read(int queue, ByteBuffer dst, int timeoutMillis) throws IOException;

	/**
	 * A descriptor that polls readable ({@code POLLIN}) when the queue holds a packet, for a reader
	 * that waits for several descriptors in one {@code poll(2)} or {@code epoll(7)} set and then
	 * reads with {@link #read(int, ByteBuffer, int)} and timeout 0. Never read, write or close it.
	 * Once the device is closed its number may be reused: a wake-up is only a hint, confirmed by
	 * that read, and an epoll set holds the file, not the number (register a new device's again).
	 *
	 * @return the descriptor, or -1 when the device has none to offer (absent from drivers before 1.4)
	 */
	default int pollFd(int queue) {
		return -1;
	}

	/**
	 * Writes the IP packet between {@code src}'s position and limit to the kernel and advances the
	 * position.
	 *
	 * @return the number of bytes written
	 * @throws IOException when the kernel refuses the packet or the device is closed
	 */
	int write(ByteBuffer src) throws IOException;
}

package org.mobilegt.gateway.tun.impl;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * An open TUN device as the driver uses it: {@link LinuxTun} is the one real implementation; the
 * interface lets the driver's configuration logic be tested without root.
 */
interface Tun {

	/** Opens (creating if needed) a TUN device; see {@link LinuxTun#open(String, String, int, boolean)}. */
	@FunctionalInterface
	interface Opener {
		Tun open(String clonePath, String name, int queues, boolean offload) throws IOException;
	}

	/** Takes over queues a previous activation handed over; see {@link LinuxTun#adopt(String, String, int, int[])}. */
	@FunctionalInterface
	interface Adopter {
		/** @return null when the queues do not fit: then the device is opened anew */
		Tun adopt(String handedOver, String name, int queues, int[] fds) throws IOException;
	}

	String name();

	int queues();

	/** See {@link org.mobilegt.gateway.tun.api.TunDevice#offloadHeader()}. */
	int offloadHeader();

	/** See {@link org.mobilegt.gateway.tun.api.TunDevice#writesUdpSegments()}. */
	default boolean writesUdpSegments() {
		return false;
	}

	/** See {@link org.mobilegt.gateway.tun.api.TunDevice#read(int, ByteBuffer, int)}. */
	int read(int queue, ByteBuffer dst, int timeoutMillis) throws IOException;

	/** See {@link org.mobilegt.gateway.tun.api.TunDevice#pollFd(int)}. */
	default int pollFd(int queue) {
		return -1;
	}

	/** See {@link org.mobilegt.gateway.tun.api.TunDevice#write(int, ByteBuffer)}. */
	int write(int queue, ByteBuffer src) throws IOException;

	/** Sets or clears TUNSETPERSIST: whether the device outlives its last open queue. */
	void persist(boolean persist) throws IOException;

	/** Wakes blocked readers, then closes every queue. A persistent device stays in the system. */
	void close();

	/**
	 * Like {@link #close()} but leaves the queues open, for the next activation to take over: the
	 * device keeps its queues, and the kernel keeps queueing packets for them. This object stays
	 * usable for {@link org.mobilegt.gateway.tun.api.TunDevice#HANDOVER_MILLIS}, then refuses calls
	 * like a closed one; {@link #close()} before that still closes the queues.
	 *
	 * @return the open descriptors, one per queue
	 */
	int[] handOver();
}

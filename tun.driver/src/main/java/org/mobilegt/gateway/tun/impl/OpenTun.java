package org.mobilegt.gateway.tun.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

import org.mobilegt.gateway.tun.api.TunDevice;

/** The {@link TunDevice} service: the open device and its live settings. */
final class OpenTun implements TunDevice {

	private final Tun tun;
	private volatile int mtu;
	private volatile String subnet;
	private volatile List<String> blockers = List.of();

	OpenTun(Tun tun, int mtu, String subnet) {
		this.tun = tun;
		this.mtu = mtu;
		this.subnet = subnet;
	}

	@Override
	public String name() {
		return tun.name();
	}

	@Override
	public int mtu() {
		return mtu;
	}

	@Override
	public String subnet() {
		return subnet;
	}

	@Override
	public int queues() {
		return tun.queues();
	}

	@Override
	public int offloadHeader() {
		return tun.offloadHeader();
	}

	@Override
	public int read(int queue, ByteBuffer dst, int timeoutMillis) throws IOException {
		return tun.read(queue, dst, timeoutMillis);
	}

	@Override
	public int write(ByteBuffer src) throws IOException {
		return tun.write(0, src);
	}

	void settings(int mtu, String subnet) {
		this.mtu = mtu;
		this.subnet = subnet;
	}

	void blockers(List<String> blockers) {
		this.blockers = blockers;
	}

	String summary(boolean nat, boolean isolated) {
		List<String> b = blockers;
		return name() + " up, mtu " + mtu + ", " + queues() + " queue(s), subnet " + subnet + (nat ? ", NAT on" : ", NAT off")
				+ (isolated ? ", clients isolated" : ", clients NOT isolated") + (offloadHeader() > 0 ? ", offloads on" : "")
				+ (b.isEmpty() ? "" : "; WARNING: client traffic may be dropped by forward chain " + String.join(", ", b)
						+ " (policy drop)");
	}

	Tun tun() {
		return tun;
	}

	Dictionary<String, Object> serviceProperties() {
		Hashtable<String, Object> props = new Hashtable<>();
		props.put(NAME, name());
		props.put(MTU, mtu);
		props.put(SUBNET, subnet);
		props.put(OFFLOAD_HEADER, tun.offloadHeader());
		props.put(FORWARD_BLOCKERS, blockers.toArray(new String[0]));
		return props;
	}
}

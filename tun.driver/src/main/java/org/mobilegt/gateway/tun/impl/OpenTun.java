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
	private volatile String subnet6;
	private volatile List<String> blockers = List.of();

	/** {@code subnet6}: empty without IPv6. */
	OpenTun(Tun tun, int mtu, String subnet, String subnet6) {
		this.tun = tun;
		this.mtu = mtu;
		this.subnet = subnet;
		this.subnet6 = subnet6;
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

	String subnet6() {
		return subnet6;
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
	public boolean writesUdpSegments() {
		return tun.writesUdpSegments();
	}

	@Override
	public int read(int queue, ByteBuffer dst, int timeoutMillis) throws IOException {
		return tun.read(queue, dst, timeoutMillis);
	}

	@Override
	public int pollFd(int queue) {
		return tun.pollFd(queue);
	}

	@Override
	public int write(ByteBuffer src) throws IOException {
		return tun.write(0, src);
	}

	void settings(int mtu, String subnet, String subnet6) {
		this.mtu = mtu;
		this.subnet = subnet;
		this.subnet6 = subnet6;
	}

	void blockers(List<String> blockers) {
		this.blockers = blockers;
	}

	Tun tun() {
		return tun;
	}

	/** For {@link TunDriver#summary()}: {@code natOn} when the firewall that does it is in place. */
	String summary(TunSettings s, boolean natOn, List<String> blockers) {
		return name() + " up, mtu " + mtu + ", " + queues() + " queue(s), subnet " + subnet
				+ (subnet6.isEmpty() ? "" : ", subnet6 " + subnet6)
				+ (s.nat() && natOn ? ", NAT on" + (s.ipv6() && s.nat6().equals(TunSettings.ROUTED) ? " (IPv6 routed)" : "") : ", NAT off")
				+ (s.isolation().on() ? ", clients isolated" : ", clients NOT isolated")
				+ (offloadHeader() > 0 ? ", offloads on" : "")
				+ (blockers.isEmpty() ? "" : "; WARNING: client traffic may be dropped by forward chain "
						+ String.join(", ", blockers) + " (policy drop)");
	}

	Dictionary<String, Object> serviceProperties() {
		Hashtable<String, Object> props = new Hashtable<>();
		props.put(NAME, name());
		props.put(MTU, mtu);
		props.put(SUBNET, subnet);
		props.put(SUBNET6, subnet6);
		props.put(OFFLOAD_HEADER, tun.offloadHeader());
		props.put(FORWARD_BLOCKERS, blockers.toArray(new String[0]));
		return props;
	}

	/** The service properties, saying that the device is being handed over ({@link #HANDOVER}). */
	Dictionary<String, Object> handingOver() {
		Dictionary<String, Object> props = serviceProperties();
		props.put(HANDOVER, Boolean.TRUE);
		return props;
	}
}

package org.mobilegt.gateway.tun.impl;

import java.io.IOException;
import java.util.regex.Pattern;

import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.net.api.HostBitsException;
import org.mobilegt.gateway.net.api.IpPrefix;

/**
 * The validated form of {@link TunConfig}. Construction fails with a message naming the key and
 * the rule, so a bad value is rejected before anything touches the system.
 */
record TunSettings(String name, int mtu, String subnet, boolean nat, String egress, boolean persist, int queues,
		String device, boolean offload, Isolation isolation, String subnet6, String nat6) {

	static final String AUTO = "auto";
	static final String MASQUERADE = "masquerade";
	static final String ROUTED = "routed";
	/** Linux interface names: at most IFNAMSIZ-1 bytes, no '/', ':', or whitespace. */
	private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");

	TunSettings {
		if (name == null || !IFNAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
			throw new ConfigValueException(TunConfig.PID, "name", name, "must be 1-15 characters of letters, digits, '-', '_', '.'");
		}
		if (mtu < 576 || mtu > 65535) {
			throw new ConfigValueException(TunConfig.PID, "mtu", mtu, "must be between 576 and 65535");
		}
		subnet = networkCidr(subnet);
		if (egress == null || egress.isBlank()) {
			egress = AUTO;
		}
		egress = egress.trim();
		if (!egress.equals(AUTO) && !IFNAME.matcher(egress).matches()) {
			throw new ConfigValueException(TunConfig.PID, "egress", egress, "must be 'auto' or an interface name");
		}
		if (queues < 1 || queues > 16) {
			throw new ConfigValueException(TunConfig.PID, "queues", queues, "must be between 1 and 16");
		}
		if (device == null || device.isBlank()) {
			throw new ConfigValueException(TunConfig.PID, "device", device, "must be the path of the TUN clone device");
		}
		subnet6 = subnet6 == null || subnet6.isBlank() ? "" : Subnet6.check(subnet6);
		nat6 = nat6 == null || nat6.isBlank() ? MASQUERADE : nat6.trim();
		if (!nat6.equals(MASQUERADE) && !nat6.equals(ROUTED)) {
			throw new ConfigValueException(TunConfig.PID, "nat6", nat6, "must be 'masquerade' or 'routed'");
		}
	}

	/** {@code ula}: the kept default prefix, asked for only when {@code subnet6} is {@value #AUTO}. */
	static TunSettings of(TunConfig c, UlaPrefix ula) {
		String subnet6 = c.subnet6() == null ? "" : c.subnet6().trim();
		if (subnet6.equals(AUTO)) {
			try {
				subnet6 = ula.get().toString();
			} catch (IOException e) {
				throw new ConfigValueException(TunConfig.PID, "subnet6", AUTO, "cannot be kept: " + e.getMessage());
			}
		}
		return new TunSettings(c.name(), c.mtu(), c.subnet(), c.nat(), c.egress(), c.persist(), c.queues(), c.device(),
				c.offload(), Isolation.of(c), subnet6, c.nat6());
	}

	/** Whether the device carries IPv6: {@code subnet6} is not empty. */
	boolean ipv6() {
		return !subnet6.isEmpty();
	}

	/** The firewall these settings ask for; {@code egress=auto} is any interface but the device. */
	Firewall firewall() {
		return new Firewall(name, subnet, nat, egress.equals(AUTO) ? null : egress, isolation,
				ipv6() ? subnet6 : null, nat6.equals(MASQUERADE));
	}

	/** Settings that can only change by closing and re-opening the device. */
	boolean sameDevice(TunSettings o) {
		return name.equals(o.name) && persist == o.persist && queues == o.queues && device.equals(o.device)
				&& offload == o.offload;
	}

	/**
	 * Checks that {@code cidr} is an IPv4 network in CIDR notation whose address is the network
	 * address itself (10.77.0.0/16, not 10.77.0.5/16) with room for clients, and returns it.
	 */
	static String networkCidr(String cidr) {
		String rule = "must be an IPv4 subnet in CIDR notation, e.g. 10.77.0.0/16";
		if (cidr == null || cidr.isBlank()) {
			throw new ConfigValueException(TunConfig.PID, "subnet", cidr, rule);
		}
		IpPrefix prefix;
		try {
			prefix = IpPrefix.parse(cidr.trim());
		} catch (HostBitsException e) {
			if (!e.network().isIpv4()) {
				throw new ConfigValueException(TunConfig.PID, "subnet", cidr, rule);
			}
			throw new ConfigValueException(TunConfig.PID, "subnet", cidr, "has host bits set; did you mean " + e.network() + "?");
		} catch (IllegalArgumentException e) {
			throw new ConfigValueException(TunConfig.PID, "subnet", cidr, rule);
		}
		if (!prefix.isIpv4()) {
			throw new ConfigValueException(TunConfig.PID, "subnet", cidr, rule);
		}
		if (prefix.length() > 30) {
			throw new ConfigValueException(TunConfig.PID, "subnet", cidr, "is too small: a prefix of at most /30 is needed for clients");
		}
		if (prefix.length() < 8) {
			throw new ConfigValueException(TunConfig.PID, "subnet", cidr, "is too large: use a prefix of at least /8");
		}
		return prefix.toString();
	}
}

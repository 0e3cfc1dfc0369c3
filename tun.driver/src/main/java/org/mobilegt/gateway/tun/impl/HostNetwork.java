package org.mobilegt.gateway.tun.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.net.api.IpPrefix;

/**
 * Link, route, forwarding and firewall set-up for the TUN device through the system's own tools.
 * Each step returns what it installed, with its undo, so tear-down removes exactly that.
 */
class HostNetwork {

	private final Commands commands;
	private final ForwardingRecord forwarding;
	private final Ipv6Sysctls ipv6;

	/**
	 * {@code forwarding}: the ip_forward sysctl and its record; {@code ipv6}: IPv6's sysctls and
	 * their records; both replaceable so tests never touch the real ones.
	 */
	HostNetwork(Commands commands, ForwardingRecord forwarding, Ipv6Sysctls ipv6) {
		this.commands = commands;
		this.forwarding = forwarding;
		this.ipv6 = ipv6;
	}

	/** The system's tools and sysctls, the records of the sysctls in {@code dataArea} (the bundle's). */
	static HostNetwork ofSystem(Path dataArea) {
		String where = ForwardingRecord.currentPlace();
		return new HostNetwork(new Commands(), new ForwardingRecord(Path.of("/proc/sys/net/ipv4/ip_forward"),
				dataArea.resolve("ip_forward.original"), where),
				new Ipv6Sysctls(Path.of("/proc/sys/net/ipv6/conf"), dataArea, where));
	}

	private String ip() throws IOException {
		return commands.find("ip").orElseThrow(() -> new IOException("the 'ip' tool (iproute2) is not installed"));
	}

	/** Sets the MTU and brings the link up. */
	Installed linkUp(String device, int mtu) throws IOException {
		commands.check(ip(), "link", "set", "dev", device, "mtu", Integer.toString(mtu), "up");
		String ip = ip();
		return new Installed("link " + device + " up", () -> commands.run(ip, "link", "set", "dev", device, "down"));
	}

	void setMtu(String device, int mtu) throws IOException {
		commands.check(ip(), "link", "set", "dev", device, "mtu", Integer.toString(mtu));
	}

	/**
	 * Routes the client subnet to the device. A route or address of another interface that overlaps
	 * the subnet is refused, naming it: replacing it would take the traffic (and, at stop, the route)
	 * away from whoever owns it. The device's own route (an earlier run's) is taken over.
	 */
	Installed route(String subnet, String device) throws IOException {
		String ip = ip();
		Optional<String> conflict = HostRoutes.conflict(IpPrefix.parse(subnet), device,
				commands.check(ip, "-4", "-o", "route", "show", "table", "main"),
				commands.check(ip, "-4", "-o", "addr", "show"));
		if (conflict.isPresent()) {
			throw new ConfigValueException(TunConfig.PID, "subnet", subnet,
					"overlaps " + conflict.get() + " on this host: choose a subnet that is not in use");
		}
		commands.check(ip, "route", "replace", subnet, "dev", device);
		return new Installed("route " + subnet + " dev " + device,
				() -> commands.run(ip, "route", "del", subnet, "dev", device));
	}

	/**
	 * Gives the device the gateway's address {@code <subnet6>::1} and so the kernel's route of the
	 * prefix to it, turning IPv6 on for the device first if it was off there ({@code disable_ipv6}).
	 * Conflicts are refused as for the IPv4 subnet.
	 */
	Installed address6(String subnet6, String device) throws IOException {
		if (!ipv6.available()) {
			throw new ConfigValueException(TunConfig.PID, "subnet6", subnet6,
					"cannot be served: this kernel has IPv6 turned off (ipv6.disable=1); set subnet6 empty");
		}
		String ip = ip();
		IpPrefix prefix = IpPrefix.parse(subnet6);
		Optional<String> conflict = HostRoutes.conflict(prefix, device,
				commands.check(ip, "-6", "-o", "route", "show", "table", "main"),
				commands.check(ip, "-6", "-o", "addr", "show"));
		if (conflict.isPresent()) {
			throw new ConfigValueException(TunConfig.PID, "subnet6", subnet6,
					"overlaps " + conflict.get() + " on this host: choose a prefix that is not in use");
		}
		Path disable = ipv6.disableIpv6(device);
		boolean wasDisabled = Files.readString(disable).trim().equals("1");
		if (wasDisabled) {
			Files.writeString(disable, "0");
		}
		String address = address6(subnet6);
		try {
			commands.check(ip, "-6", "addr", "replace", address, "dev", device, "nodad");
		} catch (IOException e) {
			if (wasDisabled) {
				Files.writeString(disable, "1");
			}
			throw e;
		}
		return new Installed("address " + address + " dev " + device + (wasDisabled ? " (disable_ipv6 was 1)" : ""), () -> {
			commands.run(ip, "-6", "addr", "del", address, "dev", device);
			if (wasDisabled) {
				Files.writeString(disable, "1");
			}
		});
	}

	/** The gateway's own address in {@code subnet6} as {@code ip} lists it: {@code <prefix>::1/<length>}. */
	static String address6(String subnet6) {
		IpPrefix prefix = IpPrefix.parse(subnet6);
		return Subnet6.gateway(prefix) + "/" + prefix.length();
	}

	/**
	 * Deletes the device's global IPv6 addresses but {@code keep} (null: all): an earlier run's,
	 * killed or handed over with another subnet6, would still route its prefix here.
	 */
	void removeStaleAddresses6(String device, String keep) throws IOException {
		String ip = ip();
		Commands.Result listing = commands.run(ip, "-6", "-o", "addr", "show", "dev", device, "scope", "global");
		for (String address : HostRoutes.addresses(listing.ok() ? listing.out() : "")) {
			if (!address.equals(keep)) {
				commands.run(ip, "-6", "addr", "del", address, "dev", device);
			}
		}
	}

	/** Turns IPv4 forwarding on; see {@link ForwardingRecord}. */
	Optional<Installed> forwarding() throws IOException {
		return forwarding.turnOn();
	}

	/** Turns IPv6 forwarding on, keeping router advertisements accepted; see {@link Ipv6Sysctls}. */
	Optional<Installed> forwarding6(String device) throws IOException {
		return ipv6.forwardingOn(device);
	}

	/** Puts back the IPv6 sysctls a killed run changed, when IPv6 forwarding is not wanted now. */
	void restoreForwarding6() throws IOException {
		if (ipv6.available()) {
			ipv6.restoreLeftovers();
		}
	}

	/**
	 * Installs the device's firewall (NAT and isolation) with nft, replacing an earlier run's table
	 * in the same transaction (see {@link Firewall#nftReplace()}). Without nft, iptables (and
	 * ip6tables for NAT66) can only masquerade: isolation then is refused rather than silently
	 * missing, and IPv6 sources are checked by the tunnel alone.
	 */
	Installed firewall(Firewall f) throws IOException {
		Optional<String> nft = commands.find("nft");
		if (nft.isPresent()) {
			removeIptablesLeftovers(f.device());
			Commands.Result r = commands.run(List.of(nft.get(), "-f", "-"), f.nftReplace());
			if (!r.ok()) {
				throw new IOException("nft could not install the table " + Firewall.table(f.device()) + ": " + r.err());
			}
			List<String> delete = prepend(nft.get(), Firewall.nftDelete(f.device()));
			return new Installed(f.describe(), () -> commands.run(delete, null));
		}
		if (f.needsNft()) {
			throw new IOException("client isolation needs nft (install nftables), or set isolation=false, "
					+ "clientToClient=true and no deny");
		}
		if (!f.nat()) {
			return null;
		}
		removeIptablesLeftovers(f.device());
		Installed v4 = masquerade("iptables", f.device(), f.subnet(), f.egress());
		if (f.subnet6() == null || !f.masquerade6()) {
			return v4;
		}
		Installed v6;
		try {
			v6 = masquerade("ip6tables", f.device(), f.subnet6(), f.egress());
		} catch (IOException e) {
			v4.undo().run();
			throw e;
		}
		return new Installed(v4.description() + "; " + v6.description(), () -> {
			v6.undo().run();
			v4.undo().run();
		});
	}

	/** {@code tool}: iptables or ip6tables. */
	private Installed masquerade(String tool, String device, String subnet, String egress) throws IOException {
		String out = egress == null ? "any interface but " + device : egress;
		String iptables = commands.find(tool)
				.orElseThrow(() -> new IOException("neither nft (nftables) nor " + tool + " is installed: cannot NAT"));
		List<String> rule = NatRules.iptablesRule(device, subnet, egress);
		Commands.Result r = commands.run(prepend(iptables, NatRules.iptables("-A", rule)), null);
		if (!r.ok()) {
			throw new IOException(tool + " could not add the masquerade rule: " + r.err());
		}
		return new Installed(tool + " nat POSTROUTING: masquerade " + subnet + " out of " + out,
				() -> commands.run(prepend(iptables, NatRules.iptables("-D", rule)), null));
	}

	/** Deletes firewall rules an earlier run for {@code device} left behind (crash, kill -9, turned off since). */
	void removeLeftovers(String device) throws IOException {
		Optional<String> nft = commands.find("nft");
		if (nft.isPresent()) {
			String t = Firewall.table(device);
			commands.run(List.of(nft.get(), "-f", "-"), "add table inet " + t + "\ndelete table inet " + t
					+ "\nadd table ip " + t + "\ndelete table ip " + t + "\n");
		}
		removeIptablesLeftovers(device);
	}

	/**
	 * Base chains of other tables on the forward hook whose policy is drop ("ip filter FORWARD" of
	 * Docker, ufw or firewalld): they drop client traffic that they do not accept themselves.
	 */
	List<String> forwardBlockers(String device) throws IOException {
		Optional<String> nft = commands.find("nft");
		if (nft.isPresent()) {
			Commands.Result r = commands.run(nft.get(), "list", "chains");
			return r.ok() ? ForwardBlockers.inNft(r.out(), Firewall.table(device)) : List.of();
		}
		Optional<String> iptables = commands.find("iptables");
		if (iptables.isPresent()) {
			Commands.Result r = commands.run(iptables.get(), "-w", "-S", "FORWARD");
			return r.ok() && r.out().lines().anyMatch(l -> l.trim().equals("-P FORWARD DROP"))
					? List.of("iptables filter FORWARD")
					: List.of();
		}
		return List.of();
	}

	private void removeIptablesLeftovers(String device) throws IOException {
		for (String tool : List.of("iptables", "ip6tables")) {
			Optional<String> iptables = commands.find(tool);
			if (iptables.isPresent()) {
				Commands.Result listing = commands.run(iptables.get(), "-w", "-t", "nat", "-S", "POSTROUTING");
				if (listing.ok()) {
					for (List<String> delete : NatRules.iptablesLeftovers(device, listing.out())) {
						commands.run(prepend(iptables.get(), delete), null);
					}
				}
			}
		}
	}

	/**
	 * ip_forward (or IPv6's forwarding, or an accept_ra it needs) is not set and /proc/sys is
	 * root's (a service with CAP_NET_ADMIN only): clients can still reach the gateway itself, so
	 * this is a warning with the fix, not a failed device.
	 */
	static final class ForwardingOff extends IOException {
		private static final long serialVersionUID = 1L;

		ForwardingOff(IOException cause) {
			this(ForwardingRecord.IP_FORWARD, "1", cause);
		}

		ForwardingOff(String sysctl, String value, IOException cause) {
			super(sysctl.equals(ForwardingRecord.IP_FORWARD)
					? "IPv4 forwarding is off and this process cannot turn it on (" + cause + "): clients reach the gateway "
							+ "but nothing beyond it. As root: sysctl -w net.ipv4.ip_forward=1 (the Debian package's "
							+ "/usr/lib/sysctl.d/60-mobilegt.conf sets it at boot and before each start)"
					: sysctl + " is not " + value + " and this process cannot set it (" + cause + "): clients reach the "
							+ "gateway but not beyond it over IPv6. As root: sysctl -w " + sysctl + "=" + value
							+ " (keep it in /etc/sysctl.d; with forwarding on, an interface that learns its route from "
							+ "router advertisements needs accept_ra=2)", cause);
		}
	}

	private static List<String> prepend(String tool, List<String> args) {
		List<String> argv = new ArrayList<>(args.size() + 1);
		argv.add(tool);
		argv.addAll(args);
		return argv;
	}
}

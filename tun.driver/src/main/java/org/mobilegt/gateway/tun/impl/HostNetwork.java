package org.mobilegt.gateway.tun.impl;

import java.io.IOException;
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

	/** {@code forwarding}: the ip_forward sysctl and its record, replaceable so tests never touch the real one. */
	HostNetwork(Commands commands, ForwardingRecord forwarding) {
		this.commands = commands;
		this.forwarding = forwarding;
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

	/** Turns IPv4 forwarding on; see {@link ForwardingRecord}. */
	Optional<Installed> forwarding() throws IOException {
		return forwarding.turnOn();
	}

	/**
	 * Installs the device's firewall (NAT and isolation) with nft, replacing an earlier run's table
	 * in the same transaction (see {@link Firewall#nftReplace()}). Without nft, iptables can only
	 * masquerade: isolation then is refused rather than silently missing.
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
		return f.nat() ? masquerade(f.device(), f.subnet(), f.egress()) : null;
	}

	private Installed masquerade(String device, String subnet, String egress) throws IOException {
		String out = egress == null ? "any interface but " + device : egress;
		String iptables = commands.find("iptables")
				.orElseThrow(() -> new IOException("neither nft (nftables) nor iptables is installed: cannot NAT"));
		removeIptablesLeftovers(device);
		List<String> rule = NatRules.iptablesRule(device, subnet, egress);
		Commands.Result r = commands.run(prepend(iptables, NatRules.iptables("-A", rule)), null);
		if (!r.ok()) {
			throw new IOException("iptables could not add the masquerade rule: " + r.err());
		}
		return new Installed("iptables nat POSTROUTING: masquerade " + subnet + " out of " + out,
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
		Optional<String> iptables = commands.find("iptables");
		if (iptables.isPresent()) {
			Commands.Result listing = commands.run(iptables.get(), "-w", "-t", "nat", "-S", "POSTROUTING");
			if (listing.ok()) {
				for (List<String> delete : NatRules.iptablesLeftovers(device, listing.out())) {
					commands.run(prepend(iptables.get(), delete), null);
				}
			}
		}
	}

	/**
	 * ip_forward is 0 and /proc/sys is root's (a service with CAP_NET_ADMIN only): clients can
	 * still reach the gateway itself, so this is a warning with the fix, not a failed device.
	 */
	static final class ForwardingOff extends IOException {
		private static final long serialVersionUID = 1L;

		ForwardingOff(IOException cause) {
			super("IPv4 forwarding is off and this process cannot turn it on (" + cause + "): clients reach the "
					+ "gateway but nothing beyond it. As root: sysctl -w net.ipv4.ip_forward=1 (the Debian package's "
					+ "/usr/lib/sysctl.d/60-mobilegt.conf sets it at boot and before each start)", cause);
		}
	}

	private static List<String> prepend(String tool, List<String> args) {
		List<String> argv = new ArrayList<>(args.size() + 1);
		argv.add(tool);
		argv.addAll(args);
		return argv;
	}
}

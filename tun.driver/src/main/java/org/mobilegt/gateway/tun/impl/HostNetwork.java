package org.mobilegt.gateway.tun.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Link, route, forwarding and NAT set-up for the TUN device through the system's own tools. Each
 * step returns what it installed, with its undo, so tear-down removes exactly that.
 */
class HostNetwork {

	private static final Pattern DEFAULT_DEV = Pattern.compile("\\bdev\\s+(\\S+)");

	private final Commands commands;
	private final Path ipForward;

	HostNetwork(Commands commands) {
		this(commands, Path.of("/proc/sys/net/ipv4/ip_forward"));
	}

	/** {@code ipForward}: the sysctl file, replaceable so that tests never touch the real one. */
	HostNetwork(Commands commands, Path ipForward) {
		this.commands = commands;
		this.ipForward = ipForward;
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

	/** Routes the client subnet to the device (replacing an older route to the same subnet). */
	Installed route(String subnet, String device) throws IOException {
		String ip = ip();
		commands.check(ip, "route", "replace", subnet, "dev", device);
		return new Installed("route " + subnet + " dev " + device,
				() -> commands.run(ip, "route", "del", subnet, "dev", device));
	}

	/**
	 * Turns IPv4 forwarding on if it is off; nothing is installed when it already was on.
	 *
	 * @throws ForwardingOff if it is off and this process may not turn it on (not root)
	 */
	Optional<Installed> forwarding() throws IOException {
		String before = Files.readString(ipForward).trim();
		if (before.equals("1")) {
			return Optional.empty();
		}
		try {
			Files.writeString(ipForward, "1");
		} catch (IOException e) {
			throw new ForwardingOff(e);
		}
		return Optional.of(new Installed("net.ipv4.ip_forward=1 (was " + before + ")",
				() -> Files.writeString(ipForward, before)));
	}

	/** The interface of the default route, if there is one. */
	Optional<String> defaultRouteDevice() throws IOException {
		String out = commands.check(ip(), "-4", "route", "show", "default");
		Matcher m = DEFAULT_DEV.matcher(out);
		return m.find() ? Optional.of(m.group(1)) : Optional.empty();
	}

	/**
	 * Masquerades the subnet out of {@code egress} (null: any interface but the device), with nft if
	 * installed, else iptables. Leftovers of an earlier run for the same device are removed first;
	 * with nft in the same transaction that creates the new table, so that a table left by the
	 * previous activation (a handed-over device, see TunDriver) is replaced without a moment in
	 * which connections through the gateway lose their translation.
	 */
	Installed masquerade(String device, String subnet, String egress) throws IOException {
		String out = egress == null ? "any interface but " + device : egress;
		Optional<String> nft = commands.find("nft");
		if (nft.isPresent()) {
			removeIptablesLeftovers(device);
			Commands.Result r = commands.run(List.of(nft.get(), "-f", "-"), NatRules.nftReplace(device, subnet, egress));
			if (!r.ok()) {
				throw new IOException("nft could not add the masquerade rule: " + r.err());
			}
			List<String> delete = prepend(nft.get(), NatRules.nftDelete(device));
			return new Installed("nft table ip " + NatRules.nftTable(device) + ": masquerade " + subnet + " out of " + out,
					() -> commands.run(delete, null));
		}
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

	/** Deletes NAT rules an earlier run for {@code device} left behind (crash, kill -9, NAT turned off since). */
	void removeLeftovers(String device) throws IOException {
		Optional<String> nft = commands.find("nft");
		if (nft.isPresent() && commands.run(nft.get(), "list", "table", "ip", NatRules.nftTable(device)).ok()) {
			commands.run(prepend(nft.get(), NatRules.nftDelete(device)), null);
		}
		removeIptablesLeftovers(device);
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

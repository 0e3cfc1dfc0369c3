package org.mobilegt.gateway.tun.impl;

import java.util.List;

/**
 * The gateway's own nft table for one TUN device ({@code table inet mobilegt_<device>}): masquerade
 * of the client subnet (postrouting) and client isolation (forward and input hooks). The whole table
 * is replaced in one transaction on every change, so there is never a moment without it.
 * <p>
 * NAT follows the egress: with {@code egress=auto} the client subnet is masqueraded out of any
 * interface but the TUN, so when the default route moves to another interface the packets are still
 * translated there, with no re-resolution and no route monitor. Isolation keeps clients from any
 * interface but the internet, so "any interface" in practice is the egress.
 *
 * <p>
 * With {@code subnet6} the same holds for IPv6: NAT66 unless {@code masquerade6} is off (a routed,
 * delegated prefix), the IPv6 ranges of {@link Isolation#BLOCKED6}, and a source outside the
 * prefix is dropped as a second line of defence behind the tunnel's per-client check. ICMPv6
 * errors to clients are never filtered here (they are not from the TUN), and clients' own errors
 * (packet too big first) reach the gateway even when isolated, for Path MTU discovery.
 *
 * @param egress  null: any interface but the device
 * @param subnet6 null: no IPv6, every IPv6 packet from the device is dropped
 */
record Firewall(String device, String subnet, boolean nat, String egress, Isolation isolation, String subnet6,
		boolean masquerade6) {

	/** The ICMPv6 errors (RFC 4443) a client may always send the gateway. */
	static final String ICMPV6_ERRORS = "{ destination-unreachable, packet-too-big, time-exceeded, parameter-problem }";

	/** The chains of what comes from the TUN: to be forwarded, to the gateway itself. */
	static final String FORWARD_CHAIN = "from_clients";
	static final String INPUT_CHAIN = "to_gateway";
	private static final String RULE = "    ";

	static String table(String device) {
		// Interface names ([A-Za-z0-9_.-]) are valid in an nft identifier after the letter prefix:
		// mapping '.' or '-' to '_' would give mgt.0 and mgt_0 one table, and one driver would
		// delete the other's.
		return "mobilegt_" + device;
	}

	/** Without isolation, deny or a client-to-client block there is nothing iptables could not do. */
	boolean needsNft() {
		return isolation.on() || !isolation.deny().isEmpty() || !isolation.clientToClient();
	}

	/** For operators: what the table does. */
	String describe() {
		StringBuilder d = new StringBuilder("nft table inet ").append(table(device)).append(": ");
		String out = egress == null ? "any interface but " + device : egress;
		if (nat) {
			d.append("masquerade ").append(subnet).append(" out of ").append(out).append("; ");
			if (subnet6 != null) {
				d.append(masquerade6 ? "masquerade " + subnet6 + " out of " + out : "route " + subnet6 + " untranslated")
						.append("; ");
			}
		}
		Isolation i = isolation;
		d.append("isolation ").append(i.on() ? "on" : "off");
		if (i.on() && !i.allow().isEmpty()) {
			d.append(", allow ").append(String.join(" ", i.allow()));
		}
		if (!i.deny().isEmpty()) {
			d.append(", deny ").append(String.join(" ", i.deny()));
		}
		return d.append(", client-to-client ").append(i.clientToClient() ? "on" : "off").toString();
	}

	/**
	 * The script that replaces the table in one transaction: adding it first makes the delete succeed
	 * whether or not it exists, and the new hooks are in place before the old ones go, so existing
	 * connections never lose their translation. The {@code ip} table of earlier versions goes too.
	 */
	String nftReplace() {
		String t = table(device);
		return "add table inet " + t + "\ndelete table inet " + t + "\nadd table ip " + t + "\ndelete table ip " + t
				+ "\n" + nftCreate();
	}

	/**
	 * Each filter hook jumps once on the TUN's name to a chain of its own: the other rules match
	 * without loading the interface name again, and packets from elsewhere (replies to clients,
	 * the host's own traffic) pass after one rule instead of all of them.
	 */
	String nftCreate() {
		StringBuilder s = new StringBuilder("table inet ").append(table(device)).append(" {\n");
		if (nat) {
			String out = egress == null ? "oifname != \"" + device + "\"" : "oifname \"" + egress + "\"";
			s.append("  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n")
					.append("    ip saddr ").append(subnet).append(' ').append(out).append(" masquerade\n");
			if (subnet6 != null && masquerade6) {
				s.append("    ip6 saddr ").append(subnet6).append(' ').append(out).append(" masquerade\n");
			}
			s.append("  }\n");
		}
		hook(s, "forward", FORWARD_CHAIN);
		common(s);
		s.append(RULE).append("oifname \"").append(device).append("\" ").append(isolation.clientToClient() ? "accept" : "drop").append('\n');
		if (isolation.on()) {
			rules(s, isolation.allow(), "accept");
			rules(s, Isolation.BLOCKED, "drop");
			if (subnet6 != null) {
				rules(s, Isolation.BLOCKED6, "drop");
			}
		}
		s.append("  }\n");
		hook(s, "input", INPUT_CHAIN);
		common(s);
		if (isolation.on()) {
			s.append(RULE).append("ct state established,related accept\n");
			if (subnet6 != null) {
				s.append(RULE).append("icmpv6 type ").append(ICMPV6_ERRORS).append(" accept\n");
			}
			rules(s, isolation.allow(), "accept");
			s.append(RULE).append("drop\n");
		}
		return s.append("  }\n}\n").toString();
	}

	/** The base chain of {@code hook}, which sends what comes from the TUN to {@code chain}, opened next. */
	private void hook(StringBuilder s, String hook, String chain) {
		s.append("  chain ").append(hook).append(" {\n    type filter hook ").append(hook)
				.append(" priority filter; policy accept;\n    iifname \"").append(device).append("\" jump ").append(chain)
				.append("\n  }\n  chain ").append(chain).append(" {\n");
	}

	/**
	 * Both hooks: IPv6 from a source outside subnet6 (all of it without subnet6), deny first, then
	 * DNS to the servers clients are given.
	 */
	private void common(StringBuilder s) {
		if (subnet6 == null) {
			s.append(RULE).append("meta nfproto ipv6 drop\n");
		} else {
			s.append(RULE).append("ip6 saddr != ").append(subnet6).append(" drop\n");
		}
		rules(s, isolation.deny(), "drop");
		if (isolation.on()) {
			for (String dns : isolation.dns()) {
				if (subnet6 != null || !Isolation.isIpv6(dns)) {
					s.append(RULE).append(daddr(dns)).append(" udp dport 53 accept\n");
					s.append(RULE).append(daddr(dns)).append(" tcp dport 53 accept\n");
				}
			}
		}
	}

	/**
	 * One rule per network: nft refuses overlapping elements in one interval set. An IPv6 network
	 * without subnet6 is left out: every IPv6 packet is dropped before.
	 */
	private void rules(StringBuilder s, List<String> networks, String verdict) {
		for (String n : networks) {
			if (subnet6 != null || !Isolation.isIpv6(n)) {
				s.append(RULE).append(daddr(n)).append(' ').append(verdict).append('\n');
			}
		}
	}

	private static String daddr(String network) {
		return (Isolation.isIpv6(network) ? "ip6 daddr " : "ip daddr ") + network;
	}

	static List<String> nftDelete(String device) {
		return List.of("delete", "table", "inet", table(device));
	}
}

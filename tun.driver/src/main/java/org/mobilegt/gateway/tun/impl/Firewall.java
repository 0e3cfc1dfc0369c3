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
 * @param egress null: any interface but the device
 */
record Firewall(String device, String subnet, boolean nat, String egress, Isolation isolation) {

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
		if (nat) {
			d.append("masquerade ").append(subnet).append(" out of ")
					.append(egress == null ? "any interface but " + device : egress).append("; ");
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

	String nftCreate() {
		String in = "    iifname \"" + device + "\" ";
		StringBuilder s = new StringBuilder("table inet ").append(table(device)).append(" {\n");
		if (nat) {
			String out = egress == null ? "oifname != \"" + device + "\"" : "oifname \"" + egress + "\"";
			s.append("  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n")
					.append("    ip saddr ").append(subnet).append(' ').append(out).append(" masquerade\n  }\n");
		}
		s.append("  chain forward {\n    type filter hook forward priority filter; policy accept;\n");
		common(s, in);
		s.append(in).append("oifname \"").append(device).append("\" ").append(isolation.clientToClient() ? "accept" : "drop").append('\n');
		if (isolation.on()) {
			rules(s, in, isolation.allow(), "accept");
			rules(s, in, Isolation.BLOCKED, "drop");
		}
		s.append("  }\n  chain input {\n    type filter hook input priority filter; policy accept;\n");
		common(s, in);
		if (isolation.on()) {
			s.append(in).append("ct state established,related accept\n");
			rules(s, in, isolation.allow(), "accept");
			s.append(in).append("drop\n");
		}
		return s.append("  }\n}\n").toString();
	}

	/** Both hooks: IPv6 (the tunnel is IPv4 only), deny first, then DNS to the servers clients are given. */
	private void common(StringBuilder s, String in) {
		s.append(in).append("meta nfproto ipv6 drop\n");
		rules(s, in, isolation.deny(), "drop");
		if (isolation.on()) {
			for (String dns : isolation.dns()) {
				s.append(in).append("ip daddr ").append(dns).append(" udp dport 53 accept\n");
				s.append(in).append("ip daddr ").append(dns).append(" tcp dport 53 accept\n");
			}
		}
	}

	/** One rule per network: nft refuses overlapping elements in one interval set. */
	private static void rules(StringBuilder s, String in, List<String> networks, String verdict) {
		for (String n : networks) {
			s.append(in).append("ip daddr ").append(n).append(' ').append(verdict).append('\n');
		}
	}

	static List<String> nftDelete(String device) {
		return List.of("delete", "table", "inet", table(device));
	}
}

package org.mobilegt.gateway.tun.impl;

import java.util.ArrayList;
import java.util.List;

/**
 * The masquerade rules for the client subnet, as nftables scripts or iptables argument vectors.
 * Every rule lives in a table (nft) or carries a comment (iptables) named after the device, so the
 * driver removes exactly what it added, and finds its own leftovers after a crash.
 */
final class NatRules {

	private NatRules() {
	}

	/** nft table owned by the driver for {@code device}. */
	static String nftTable(String device) {
		return "mobilegt_" + device.replaceAll("[^A-Za-z0-9_]", "_");
	}

	/** The nft script that creates the table; {@code egress} null means "any interface but the TUN". */
	static String nftCreate(String device, String subnet, String egress) {
		String out = egress == null ? "oifname != \"" + device + "\"" : "oifname \"" + egress + "\"";
		return "table ip " + nftTable(device) + " {\n"
				+ "  chain postrouting {\n"
				+ "    type nat hook postrouting priority srcnat; policy accept;\n"
				+ "    ip saddr " + subnet + " " + out + " masquerade\n"
				+ "  }\n"
				+ "}\n";
	}

	static List<String> nftDelete(String device) {
		return List.of("delete", "table", "ip", nftTable(device));
	}

	/** Comment that marks the driver's iptables rules. */
	static String iptablesComment(String device) {
		return "mobilegt:" + device;
	}

	/** The POSTROUTING rule's match and target, without table, verb and chain. */
	static List<String> iptablesRule(String device, String subnet, String egress) {
		List<String> rule = new ArrayList<>(List.of("-s", subnet));
		if (egress == null) {
			rule.addAll(List.of("!", "-o", device));
		} else {
			rule.addAll(List.of("-o", egress));
		}
		rule.addAll(List.of("-m", "comment", "--comment", iptablesComment(device), "-j", "MASQUERADE"));
		return rule;
	}

	/** iptables arguments that append (-A) or delete (-D) the rule in nat/POSTROUTING. */
	static List<String> iptables(String verb, List<String> rule) {
		List<String> argv = new ArrayList<>(List.of("-w", "-t", "nat", verb, "POSTROUTING"));
		argv.addAll(rule);
		return argv;
	}

	/**
	 * From {@code iptables -t nat -S POSTROUTING} output, the delete commands for the rules that carry
	 * the device's comment: leftovers of an earlier run.
	 */
	static List<List<String>> iptablesLeftovers(String device, String listing) {
		String marker = iptablesComment(device);
		List<List<String>> deletes = new ArrayList<>();
		for (String line : listing.split("\n")) {
			List<String> words = new ArrayList<>(List.of(line.trim().split("\\s+")));
			if (words.size() > 2 && words.get(0).equals("-A") && words.stream().anyMatch(w -> w.replace("\"", "").equals(marker))) {
				List<String> argv = new ArrayList<>(List.of("-w", "-t", "nat", "-D"));
				words.stream().skip(1).map(w -> w.replace("\"", "")).forEach(argv::add);
				deletes.add(argv);
			}
		}
		return deletes;
	}
}

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

	/**
	 * nft table owned by the driver for {@code device}. Interface names ([A-Za-z0-9_.-]) are valid in
	 * an nft identifier after the letter prefix, so they are kept as they are: mapping '.' and '-' to
	 * '_' would give mgt.0, mgt-0 and mgt_0 one shared table, and one driver would delete the other's.
	 */
	static String nftTable(String device) {
		return "mobilegt_" + device;
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

	/**
	 * The nft script that replaces the device's table in one transaction: adding the table first
	 * makes the delete succeed whether or not it exists, and the new chain's hook is in place before
	 * the old one's goes, so existing connections never lose their translation.
	 */
	static String nftReplace(String device, String subnet, String egress) {
		return "add table ip " + nftTable(device) + "\n" + "delete table ip " + nftTable(device) + "\n"
				+ nftCreate(device, subnet, egress);
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
	 * exactly the device's comment: leftovers of an earlier run. Other rules, including ones whose
	 * comment merely contains the marker, are left alone.
	 */
	static List<List<String>> iptablesLeftovers(String device, String listing) {
		String marker = iptablesComment(device);
		List<List<String>> deletes = new ArrayList<>();
		for (String line : listing.split("\n")) {
			List<String> words = words(line);
			if (words.size() > 2 && words.get(0).equals("-A") && hasComment(words, marker)) {
				List<String> argv = new ArrayList<>(List.of("-w", "-t", "nat", "-D"));
				argv.addAll(words.subList(1, words.size()));
				deletes.add(argv);
			}
		}
		return deletes;
	}

	private static boolean hasComment(List<String> words, String comment) {
		for (int i = 0; i + 1 < words.size(); i++) {
			if (words.get(i).equals("--comment") && words.get(i + 1).equals(comment)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Splits one line of iptables -S output into words. iptables writes a value with characters
	 * other than letters, digits, '-' and '_' in double quotes, escaping '"', '\\' and '\'' with a
	 * backslash (a comment "mobilegt:mgt0" is always quoted, one with spaces is one word).
	 */
	static List<String> words(String line) {
		List<String> words = new ArrayList<>();
		StringBuilder word = null;
		boolean quoted = false;
		for (int i = 0; i < line.length(); i++) {
			char c = line.charAt(i);
			if (quoted) {
				if (c == '\\' && i + 1 < line.length()) {
					word.append(line.charAt(++i));
				} else if (c == '"') {
					quoted = false;
				} else {
					word.append(c);
				}
			} else if (Character.isWhitespace(c)) {
				if (word != null) {
					words.add(word.toString());
					word = null;
				}
			} else {
				if (word == null) {
					word = new StringBuilder();
				}
				if (c == '"') {
					quoted = true;
				} else {
					word.append(c);
				}
			}
		}
		if (word != null) {
			words.add(word.toString());
		}
		return words;
	}
}

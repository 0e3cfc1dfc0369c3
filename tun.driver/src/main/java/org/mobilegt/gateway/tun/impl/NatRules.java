package org.mobilegt.gateway.tun.impl;

import java.util.ArrayList;
import java.util.List;

/**
 * The masquerade rule for the client subnet as iptables argument vectors, used where nft is not
 * installed (see {@link Firewall} for nft). Every rule carries a comment named after the device,
 * so the driver removes exactly what it added, and finds its own leftovers after a crash.
 */
final class NatRules {

	private NatRules() {
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

package org.mobilegt.gateway.tun.impl;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads {@code nft list chains} for other tables' forward-hook chains with policy drop. */
final class ForwardBlockers {

	private static final Pattern TABLE = Pattern.compile("^table\\s+(\\S+)\\s+(\\S+)\\s*\\{");
	private static final Pattern CHAIN = Pattern.compile("^chain\\s+(\\S+)\\s*\\{");

	private ForwardBlockers() {
	}

	/** "family table chain" of each such chain, {@code ownTable} (of any family) left out. */
	static List<String> inNft(String listing, String ownTable) {
		List<String> found = new ArrayList<>();
		String table = null;
		String chain = null;
		for (String raw : listing.split("\n")) {
			String line = raw.trim();
			Matcher t = TABLE.matcher(line);
			Matcher c = CHAIN.matcher(line);
			if (t.find()) {
				table = t.group(1) + " " + t.group(2);
				chain = null;
			} else if (c.find()) {
				chain = c.group(1);
			} else if (table != null && chain != null && line.matches(".*\\bhook\\s+forward\\b.*")
					&& line.matches(".*\\bpolicy\\s+drop\\s*;.*") && !table.endsWith(" " + ownTable)) {
				found.add(table + " " + chain);
			}
		}
		return List.copyOf(found);
	}
}

package org.mobilegt.gateway.e2e;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts, with nftables in one namespace, the IP bytes an address sends to a UDP port and the
 * bytes it gets back from that port: what an amplification attack aims at a victim, measured where
 * the victim is, whatever its sockets read.
 */
final class UdpCounter {

	private static final Pattern COUNTER = Pattern.compile("counter packets (\\d+) bytes (\\d+) comment \"(\\w+)\"");

	private final String ns;
	private final String table;

	/** Per direction: packets and bytes. */
	record Figures(long sentPackets, long sentBytes, long receivedPackets, long receivedBytes) {

		double amplification() {
			return sentBytes == 0 ? 0 : (double) receivedBytes / sentBytes;
		}
	}

	private UdpCounter(String ns, String table) {
		this.ns = ns;
		this.table = table;
	}

	static UdpCounter start(String ns, String address, int port) {
		String table = "mgtcount" + ProcessHandle.current().pid();
		String rules = "table inet " + table + " {\n"
				+ " chain out {\n  type filter hook output priority 0; policy accept;\n"
				+ "  ip saddr " + address + " udp dport " + port + " counter comment \"sent\"\n }\n"
				+ " chain in {\n  type filter hook input priority 0; policy accept;\n"
				+ "  ip daddr " + address + " udp sport " + port + " counter comment \"received\"\n }\n"
				+ "}\n";
		Netns.exec(ns, "sh", "-c", "nft delete table inet " + table + " 2>/dev/null; printf '%s' \"$1\" | nft -f -", "sh", rules)
				.check();
		return new UdpCounter(ns, table);
	}

	Figures read() {
		String out = Netns.exec(ns, "nft", "list", "table", "inet", table).check().out();
		long[] v = new long[4];
		Matcher m = COUNTER.matcher(out);
		while (m.find()) {
			int at = m.group(3).equals("sent") ? 0 : 2;
			v[at] = Long.parseLong(m.group(1));
			v[at + 1] = Long.parseLong(m.group(2));
		}
		return new Figures(v[0], v[1], v[2], v[3]);
	}
}

package org.mobilegt.gateway.e2e;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The test network of docs/testing.md: three namespaces joined by two veth pairs.
 *
 * <pre>
 * [phone] to-gw ── 172.31.n.0/24 ── to-phone [gw] to-inet ── 198.18.n+1.0/24 ── to-gw [inet]
 *         .2                        .1           .1                             .2
 * </pre>
 *
 * Names are {@code mgt-e2e<pid>x<seq>-phone|gw|inet}: unique per topology, and recognisable, so
 * that {@link #create()} removes the namespaces of earlier runs whose JVM is gone (crash, kill -9)
 * and never touches those of a run still in progress. The gw has a default route via the inet
 * host and starts with ip_forward=0 (the gateway turns it on and must put it back). The "internet"
 * is in 198.18.0.0/15 (RFC 2544 benchmarking), not a private range, so client isolation lets
 * clients reach it; the phone reaches only its own subnet (anything else must go through the tunnel);
 * the inet host knows only its own subnet, so a reply that reaches the phone proves the gateway's
 * NAT. The addresses exist only inside the namespaces, so concurrent runs do not clash.
 */
public final class Topology implements AutoCloseable {

	/** Interface names inside the namespaces (they only need to be unique per namespace). */
	public static final String PHONE_IF = "to-gw";
	public static final String GW_PHONE_IF = "to-phone";
	public static final String GW_INET_IF = "to-inet";
	public static final String INET_IF = "to-gw";

	private static final Pattern OURS = Pattern.compile("mgt-e2e(\\d+)x\\d+-(phone|gw|inet)");
	private static final AtomicInteger SEQUENCE = new AtomicInteger();

	private final String id;
	private final int n;
	private volatile boolean closed;

	private Topology(String id, int n) {
		this.id = id;
		this.n = n;
	}

	/** Removes leftovers of dead runs, then builds a fresh topology (undone again if that fails). */
	public static Topology create() {
		removeStale();
		long pid = ProcessHandle.current().pid();
		int seq = SEQUENCE.incrementAndGet();
		Topology t = new Topology("e2e" + pid + "x" + seq, 2 + 2 * (int) ((pid + seq) % 125));
		Cleanup.register(null, t);
		try {
			t.build();
		} catch (RuntimeException | Error e) {
			t.close();
			throw e;
		}
		E2e.log("topology " + t);
		return t;
	}

	private void build() {
		for (String ns : List.of(phone(), gw(), inet())) {
			Netns.create(ns);
		}
		veth(phone(), PHONE_IF, phoneAddress(), gw(), GW_PHONE_IF, gwAddress(), 24);
		veth(gw(), GW_INET_IF, gwInetAddress(), inet(), INET_IF, inetAddress(), 24);
		Netns.exec(gw(), "sh", "-c", "echo 0 > /proc/sys/net/ipv4/ip_forward").check();
		Netns.host("ip", "-n", gw(), "route", "add", "default", "via", inetAddress()).check();
	}

	private static void veth(String nsA, String ifA, String addrA, String nsB, String ifB, String addrB, int prefix) {
		// created directly in the namespaces: the names never meet the host's interfaces
		Netns.host("ip", "link", "add", ifA, "netns", nsA, "type", "veth", "peer", "name", ifB, "netns", nsB).check();
		Netns.host("ip", "-n", nsA, "addr", "add", addrA + "/" + prefix, "dev", ifA).check();
		Netns.host("ip", "-n", nsB, "addr", "add", addrB + "/" + prefix, "dev", ifB).check();
		Netns.host("ip", "-n", nsA, "link", "set", ifA, "up").check();
		Netns.host("ip", "-n", nsB, "link", "set", ifB, "up").check();
	}

	/** Deletes the namespaces of this harness whose JVM no longer runs. */
	static void removeStale() {
		for (String ns : Netns.list()) {
			Matcher m = OURS.matcher(ns);
			if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).map(p -> !p.isAlive()).orElse(true)) {
				System.err.println("[e2e] removing netns " + ns + " left by an earlier run (pid " + m.group(1) + " is gone)");
				Netns.delete(ns);
			}
		}
	}

	public String id() {
		return id;
	}

	/** The namespace of the test clients. */
	public String phone() {
		return "mgt-" + id + "-phone";
	}

	/** The namespace of the gateway. */
	public String gw() {
		return "mgt-" + id + "-gw";
	}

	/** The namespace of the fake internet host. */
	public String inet() {
		return "mgt-" + id + "-inet";
	}

	public String phoneSubnet() {
		return "172.31." + n + ".0/24";
	}

	public String inetSubnet() {
		return "198.18." + (n + 1) + ".0/24";
	}

	public String phoneAddress() {
		return "172.31." + n + ".2";
	}

	/**
	 * Adds {@code 172.31.n.<host>} to the phone's veth and returns it: a second source address
	 * for clients (a second phone behind the same link), e.g. {@link ToyVpnClient#open(String, String, java.net.InetSocketAddress)}.
	 */
	public String addPhoneAddress(int host) {
		if (host < 3 || host > 254) {
			throw new IllegalArgumentException(".1 and .2 are taken, host must be 3-254: " + host);
		}
		String address = "172.31." + n + "." + host;
		Netns.host("ip", "-n", phone(), "addr", "add", address + "/24", "dev", PHONE_IF).check();
		return address;
	}

	/**
	 * Gives the phone link IPv6 (an outer IPv6 network, e.g. LTE): {@code 2001:db8:n::2/64} on the
	 * phone, {@code 2001:db8:n::1/64} on the gw, without DAD so they work at once; returns the
	 * gw's, where IPv6 clients send their UDP.
	 */
	public String addPhoneLinkIpv6() {
		Netns.host("ip", "-n", phone(), "-6", "addr", "add", phoneAddress6() + "/64", "dev", PHONE_IF, "nodad").check();
		Netns.host("ip", "-n", gw(), "-6", "addr", "add", gwAddress6() + "/64", "dev", GW_PHONE_IF, "nodad").check();
		return gwAddress6();
	}

	/** The phone's IPv6 address on its link (after {@link #addPhoneLinkIpv6()}). */
	public String phoneAddress6() {
		return "2001:db8:" + n + "::2";
	}

	/** The gw's IPv6 address on the phone link (after {@link #addPhoneLinkIpv6()}). */
	public String gwAddress6() {
		return "2001:db8:" + n + "::1";
	}

	/** The gateway's phone-side address: where clients send their UDP. */
	public String gwAddress() {
		return "172.31." + n + ".1";
	}

	public String gwInetAddress() {
		return "198.18." + (n + 1) + ".1";
	}

	/** The fake internet host, reachable from the phone only through the tunnel. */
	public String inetAddress() {
		return "198.18." + (n + 1) + ".2";
	}

	/**
	 * Puts a LAN on the gw's inet-side link: {@code 192.168.n.1/24} on the gw, {@code 192.168.n.2/24}
	 * on the inet host, which is returned (a host of the LAN behind the gateway).
	 */
	public String addLan() {
		Netns.host("ip", "-n", gw(), "addr", "add", "192.168." + n + ".1/24", "dev", GW_INET_IF).check();
		Netns.host("ip", "-n", inet(), "addr", "add", "192.168." + n + ".2/24", "dev", INET_IF).check();
		return "192.168." + n + ".2";
	}

	/**
	 * A second link from the gw to the inet host ({@code to-inet2} .1 — {@code to-gw2} .2 on
	 * {@code 198.19.n.0/24}), for a default-route change; returns the inet host's address on it.
	 */
	public String addSecondUplink() {
		veth(gw(), GW_INET_IF + "2", "198.19." + n + ".1", inet(), INET_IF + "2", "198.19." + n + ".2", 24);
		return "198.19." + n + ".2";
	}

	/**
	 * Gives the inet link IPv6: {@code 2001:2:0:n::1/64} on the gw (its egress address, with a
	 * default route via the inet host) and {@code 2001:2:0:n::2/64} on the inet host, which is
	 * returned. 2001:2::/48 is IPv6's benchmarking range (RFC 5180), like 198.18.0.0/15: global, so
	 * isolation lets clients reach it; the inet host knows no route to the clients' prefix, so a
	 * reply that reaches a phone proves NAT66. Without DAD, so the addresses work at once.
	 */
	public String addIpv6Internet() {
		Netns.host("ip", "-n", gw(), "-6", "addr", "add", gwInet6Address() + "/64", "dev", GW_INET_IF, "nodad").check();
		Netns.host("ip", "-n", inet(), "-6", "addr", "add", inet6Address() + "/64", "dev", INET_IF, "nodad").check();
		Netns.host("ip", "-n", gw(), "-6", "route", "add", "default", "via", inet6Address(), "dev", GW_INET_IF).check();
		return inet6Address();
	}

	/** The gw's IPv6 address on the inet link (after {@link #addIpv6Internet()}): NAT66's source. */
	public String gwInet6Address() {
		return "2001:2:0:" + n + "::1";
	}

	/** The inet host's IPv6 address (after {@link #addIpv6Internet()}). */
	public String inet6Address() {
		return "2001:2:0:" + n + "::2";
	}

	/**
	 * Makes the inet host a router towards {@code 2001:2:1:n::/64} over a link of MTU 1280 (a veth
	 * pair of its own, nobody behind it) and returns an address there: a packet over 1280 bytes to
	 * it is answered with an ICMPv6 packet too big from the inet host, as by a router on the way
	 * with a smaller MTU.
	 */
	public String addNarrowIpv6Path() {
		Netns.exec(inet(), "sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/all/forwarding").check();
		Netns.host("ip", "-n", inet(), "link", "add", "narrow", "mtu", "1280", "type", "veth", "peer", "name", "narrow-end", "mtu",
				"1280").check();
		Netns.host("ip", "-n", inet(), "link", "set", "narrow-end", "up").check();
		Netns.host("ip", "-n", inet(), "link", "set", "narrow", "up").check();
		Netns.host("ip", "-n", inet(), "-6", "route", "add", "2001:2:1:" + n + "::/64", "dev", "narrow").check();
		return "2001:2:1:" + n + "::9";
	}

	/**
	 * Gives the inet host the cloud-metadata address 169.254.169.254, routed from the gw over the
	 * inet link, and returns it.
	 */
	public String addMetadataHost() {
		String address = "169.254.169.254";
		Netns.host("ip", "-n", inet(), "addr", "add", address + "/32", "dev", INET_IF).check();
		Netns.host("ip", "-n", gw(), "route", "add", address + "/32", "dev", GW_INET_IF).check();
		return address;
	}

	/** Deletes the three namespaces, first ending everything registered in them. Idempotent. */
	@Override
	public void close() {
		if (closed) {
			return;
		}
		closed = true;
		RuntimeException failure = null;
		for (String ns : List.of(phone(), inet(), gw())) {
			try {
				Netns.delete(ns);
			} catch (RuntimeException e) {
				failure = failure == null ? e : failure;
			}
		}
		Cleanup.unregister(null, this);
		if (failure != null) {
			throw failure;
		}
	}

	@Override
	public String toString() {
		return phone() + " " + phoneAddress() + " <-> " + gwAddress() + " " + gw() + " " + gwInetAddress() + " <-> "
				+ inetAddress() + " " + inet();
	}
}

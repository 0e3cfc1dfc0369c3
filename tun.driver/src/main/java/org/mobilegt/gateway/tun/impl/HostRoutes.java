package org.mobilegt.gateway.tun.impl;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.mobilegt.gateway.net.api.IpPrefix;

/** Finds the host's routes and addresses that overlap a client subnet, from {@code ip -o} listings. */
final class HostRoutes {

	private static final Set<String> ROUTE_TYPES = Set.of("unicast", "local", "broadcast", "multicast", "throw",
			"unreachable", "prohibit", "blackhole", "nat", "anycast");
	private static final Pattern DEV = Pattern.compile("\\bdev\\s+(\\S+)");
	/** {@code 2: eth0    inet 192.168.1.5/24 brd ... scope global eth0\ ...}, or {@code inet6 2001:db8::5/64 ...} */
	private static final Pattern ADDR = Pattern.compile("^\\d+:\\s+(\\S+)\\s+inet6?\\s+(\\S+)");

	private HostRoutes() {
	}

	/**
	 * The first route ({@code ip -4|-6 -o route show}) or address ({@code ip -4|-6 -o addr show}) of an
	 * interface other than {@code device} that shares addresses with {@code subnet}, described as
	 * the tools print it. The default route is not a conflict: every subnet is more specific.
	 */
	static Optional<String> conflict(IpPrefix subnet, String device, String routes, String addresses) {
		for (String line : routes.split("\n")) {
			List<String> words = List.of(line.trim().split("\\s+"));
			int i = !words.isEmpty() && ROUTE_TYPES.contains(words.get(0)) ? 1 : 0;
			if (words.size() <= i || words.get(i).equals("default") || device.equals(dev(line))) {
				continue;
			}
			Optional<IpPrefix> dest = prefix(words.get(i));
			if (dest.isPresent() && dest.get().length() > 0 && dest.get().overlaps(subnet)
					&& !guardsDelegation(subnet, i == 1 ? words.get(0) : "unicast", dest.get())) {
				return Optional.of("the route " + String.join(" ", words).replace("\\", "").trim());
			}
		}
		for (String line : addresses.split("\n")) {
			Matcher m = ADDR.matcher(line.trim());
			if (m.find() && !m.group(1).equals(device)) {
				Optional<IpPrefix> a = prefix(m.group(2));
				if (a.isPresent() && a.get().overlaps(subnet)) {
					return Optional.of("the address " + m.group(2) + " of " + m.group(1));
				}
			}
		}
		return Optional.empty();
	}

	/**
	 * An IPv6 prefix delegated to this host is commonly held by an unreachable (or blackhole,
	 * prohibit) route for the whole delegation, from which the /64s are carved: a more specific
	 * subnet6 inside it takes nothing away from anyone.
	 */
	private static boolean guardsDelegation(IpPrefix subnet, String type, IpPrefix dest) {
		return !subnet.isIpv4() && Set.of("unreachable", "blackhole", "prohibit").contains(type) && dest.length() < subnet.length();
	}

	/** The addresses ({@code a.b.c.d/n}, {@code 2001:db8::1/64}) of an {@code ip -o addr show} listing. */
	static List<String> addresses(String listing) {
		List<String> found = new ArrayList<>();
		for (String line : listing.split("\n")) {
			Matcher m = ADDR.matcher(line.trim());
			if (m.find()) {
				found.add(m.group(2));
			}
		}
		return found;
	}

	/** The network of a listed {@code a.b.c.d/n}, {@code a.b.c.d} or IPv6 equivalent; empty for any other word. */
	private static Optional<IpPrefix> prefix(String word) {
		try {
			return Optional.of(IpPrefix.parseCovering(word));
		} catch (IllegalArgumentException e) {
			return Optional.empty();
		}
	}

	private static String dev(String line) {
		Matcher m = DEV.matcher(line);
		return m.find() ? m.group(1) : null;
	}
}

package org.mobilegt.gateway.tun.impl;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The IPv6 sysctls of {@code /proc/sys/net/ipv6/conf}, each change recorded in the bundle's data
 * area like ip_forward (see {@link ForwardingRecord}) and restored exactly, even after kill -9.
 * <p>
 * Forwarding on ({@code all/forwarding=1}) makes the kernel ignore router advertisements on every
 * interface whose {@code accept_ra} is 1: a host that learns its default route by SLAAC would lose
 * it when the advertised lifetime runs out, and with it the internet. Those interfaces are set to
 * {@code accept_ra=2} (accept even when forwarding) before forwarding goes on, and put back after
 * it goes off. A host that forwards IPv6 already is left as it is, accept_ra included.
 */
class Ipv6Sysctls {

	private static final String FORWARDING = "net.ipv6.conf.all.forwarding";
	private static final String FORWARDING_RECORD = "ipv6_forwarding.original";
	private static final String RA_RECORD = "accept_ra.";
	private static final String RECORD_SUFFIX = ".original";

	private final Path conf;
	private final Path data;
	private final String where;

	/** {@code conf}: /proc/sys/net/ipv6/conf; {@code data}: where records go; {@code where}: see {@link ForwardingRecord#currentPlace()}. */
	Ipv6Sysctls(Path conf, Path data, String where) {
		this.conf = conf;
		this.data = data;
		this.where = where;
	}

	/** Whether the kernel has IPv6 at all (not built without it, nor booted with ipv6.disable=1). */
	boolean available() {
		return Files.isDirectory(conf.resolve("all"));
	}

	/** The per-device switch that turns IPv6 off on {@code device} alone. */
	Path disableIpv6(String device) {
		return conf.resolve(device).resolve("disable_ipv6");
	}

	/**
	 * Turns IPv6 forwarding on, after accept_ra=2 on each interface but {@code device} and lo
	 * that accepts router advertisements only while not forwarding. Returns the undo of what this
	 * run or a killed earlier one changed; nothing when the host forwards IPv6 on its own.
	 *
	 * @throws HostNetwork.ForwardingOff when this process may not change them (not root)
	 */
	Optional<Installed> forwardingOn(String device) throws IOException {
		ForwardingRecord forwarding = forwarding();
		if (!Files.exists(forwarding.record()) && Files.readString(conf.resolve("all/forwarding")).trim().equals("1")) {
			for (String iface : recordedRaInterfaces()) {
				acceptRa(iface).restoreRecorded(); // killed after accept_ra, before forwarding: not ours to keep
			}
			return Optional.empty();
		}
		Deque<Installed> done = new ArrayDeque<>();
		try {
			for (String iface : raInterfaces(device)) {
				acceptRa(iface).turnOn().ifPresent(done::push);
			}
			forwarding.turnOn().ifPresent(done::push);
		} catch (IOException e) {
			for (Installed step : done) {
				step.undo().run();
			}
			if (e instanceof HostNetwork.ForwardingOff && e.getCause() instanceof IOException cause) {
				throw new HostNetwork.ForwardingOff(FORWARDING, "1", cause); // the fix names both settings
			}
			throw e;
		}
		if (done.isEmpty()) {
			return Optional.empty();
		}
		List<Installed> steps = List.copyOf(done); // forwarding first: off before RAs are ignored again
		List<String> described = new ArrayList<>();
		for (Installed step : steps) {
			described.add(step.description());
		}
		return Optional.of(new Installed(String.join(", ", described), () -> {
			for (Installed step : steps) {
				step.undo().run();
			}
		}));
	}

	/** Puts back what a killed run changed, when IPv6 forwarding is no longer wanted. */
	void restoreLeftovers() throws IOException {
		forwarding().restoreRecorded();
		for (String iface : recordedRaInterfaces()) {
			acceptRa(iface).restoreRecorded();
		}
	}

	private ForwardingRecord forwarding() {
		return new ForwardingRecord(conf.resolve("all/forwarding"), data.resolve(FORWARDING_RECORD), where, FORWARDING, "1");
	}

	private ForwardingRecord acceptRa(String iface) {
		return new ForwardingRecord(conf.resolve(iface).resolve("accept_ra"), data.resolve(RA_RECORD + iface + RECORD_SUFFIX),
				where, "net.ipv6.conf." + iface + ".accept_ra", "2");
	}

	/** Interfaces with accept_ra=1 now, and those a killed run set to 2. */
	private Set<String> raInterfaces(String device) throws IOException {
		Set<String> names = new TreeSet<>(recordedRaInterfaces());
		try (DirectoryStream<Path> dirs = Files.newDirectoryStream(conf)) {
			for (Path dir : dirs) {
				String name = dir.getFileName().toString();
				if (!Set.of("all", "default", "lo", device).contains(name) && acceptsRasOnlyWhileNotForwarding(dir)) {
					names.add(name);
				}
			}
		}
		return names;
	}

	/** An interface removed while the listing is read has nothing to keep. */
	private static boolean acceptsRasOnlyWhileNotForwarding(Path dir) {
		try {
			return Files.readString(dir.resolve("accept_ra")).trim().equals("1");
		} catch (IOException e) {
			return false;
		}
	}

	private List<String> recordedRaInterfaces() throws IOException {
		List<String> names = new ArrayList<>();
		if (Files.isDirectory(data)) {
			try (DirectoryStream<Path> files = Files.newDirectoryStream(data, RA_RECORD + "*" + RECORD_SUFFIX)) {
				for (Path f : files) {
					String n = f.getFileName().toString();
					names.add(n.substring(RA_RECORD.length(), n.length() - RECORD_SUFFIX.length()));
				}
			}
		}
		return names;
	}
}

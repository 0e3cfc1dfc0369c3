package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The service as the package runs it, without root: the unit's own ExecStart, from the built
 * package unpacked into the test's directory (its paths moved there, gateway.jar the packaged
 * one), under setpriv as a uid that has no passwd entry, with CAP_NET_ADMIN as its only
 * capability, as the unit's AmbientCapabilities/CapabilityBoundingSet/NoNewPrivileges give it,
 * and with the unit's UMask. The configuration is laid out as the package installs it
 * (root-owned, only readable by the service's group). Forwarding is set by the unit's privileged
 * ExecStartPre, run here in the gw namespace.
 */
@RequiresRoot
class NonRootServiceTest {

	/** No passwd entry: the gateway needs no home, no name, no groups. */
	private static final int UID = 64123;
	private static final int GID = 64123;
	/** Effective, permitted and bounding capability sets: CAP_NET_ADMIN (12) only. */
	private static final String NET_ADMIN_ONLY = "0000000000001000";

	@Test
	void unitRunsAsUnprivilegedUidWithOnlyCapNetAdminAndPassesTraffic() throws IOException, InterruptedException {
		ServiceUnit unit = ServiceUnit.read();
		assertThat(unit.one("User")).isEqualTo("mobilegt");
		assertThat(unit.one("AmbientCapabilities")).isEqualTo("CAP_NET_ADMIN");
		assertThat(unit.one("CapabilityBoundingSet")).isEqualTo("CAP_NET_ADMIN");
		assertThat(unit.one("NoNewPrivileges")).isEqualTo("yes");
		assertThat(unit.one("Type")).isEqualTo("notify");
		assertThat(unit.one("NotifyAccess")).isEqualTo("main");
		assertThat(unit.one("WatchdogSec")).isEqualTo("30");
		assertThat(Netns.host("getent", "passwd", Integer.toString(UID)).ok()).as("uid %d must have no passwd entry", UID).isFalse();

		try (Topology t = Topology.create(); Gateway gw = Gateway.in(t, "NonRootServiceTest/traffic")) {
			Path dir = gw.workDir();
			Path pkg = ServiceUnit.unpack(dir.resolve("pkg"));
			Path packagedUnit = pkg.resolve("lib/systemd/system/mobilegt.service");
			assertThat(packagedUnit).as("the package ships the unit of the source tree")
					.hasSameTextualContentAs(ServiceUnit.unitFile());
			packagedConfiguration(gw, pkg.resolve("etc/mobilegt"));
			Map<String, String> standIns = standIns(dir, pkg);
			assertThat(ServiceUnit.words(unit.one("ExecStart"))).as("every path of ExecStart has its stand-in")
					.allMatch(w -> !w.contains("/") || standIns.keySet().stream().anyMatch(w::contains));
			List<String> execStart = ServiceUnit.read(packagedUnit).execStart(standIns);
			assertThat(execStart).contains("-Dmobilegt.conf=" + dir.resolve("conf"), "-Dmobilegt.console=headless");

			forwardingAsExecStartPre(t, unit, pkg.resolve(ServiceUnit.SYSCTL.substring(1)));

			try (NotifySocket systemd = NotifySocket.bind(t.gw(), dir.resolve("notify.sock"))) {
				runAsTheUnit(t, gw, unit, execStart, systemd);
			}
		}
	}

	private static void runAsTheUnit(Topology t, Gateway gw, ServiceUnit unit, List<String> execStart, NotifySocket systemd)
			throws IOException, InterruptedException {
		Path dir = gw.workDir();
		// UMask= and Environment= of the unit, then its user, group and capabilities; systemd's
		// NOTIFY_SOCKET (Type=notify) and WATCHDOG_USEC (WatchdogSec=, shortened to 2 s here)
		// and /dev/net/tun as udev leaves it (TunNode), in a mount namespace of its own
		Path tunDir = Files.createDirectories(dir.resolve("devtun"));
		List<String> argv = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
				TunNode.bindOver(tunDir, "/dev/net/tun") + " && umask " + unit.one("UMask") + " && exec \"$@\"", "sh", "env",
				"NOTIFY_SOCKET=" + systemd.path(), "WATCHDOG_USEC=2000000"));
		unit.get("Environment").forEach(e -> argv.addAll(ServiceUnit.words(e)));
		argv.addAll(List.of("setpriv", "--reuid=" + UID, "--regid=" + GID, "--clear-groups", "--inh-caps=-all,+net_admin",
				"--ambient-caps=-all,+net_admin", "--bounding-set=-all,+net_admin", "--no-new-privs", "--"));
		argv.addAll(execStart);
		gw.command(argv).start();
		// ready means serving: READY=1 is the first message, and a client connects right after it
		systemd.await("READY=1|STATUS=Tunnel serving (listening on [::]:" + Gateway.DEFAULT_TUNNEL_PORT + ")", 1, START);
		assertThat(systemd.messages()).first().asString().startsWith("READY=1");
		InetSocketAddress server = gw.awaitTunnel(Duration.ofSeconds(5));

		Map<String, String> status = procStatus(gw.pid());
		assertThat(status.get("Uid")).isEqualTo(UID + "\t" + UID + "\t" + UID + "\t" + UID);
		assertThat(status.get("CapEff")).isEqualTo(NET_ADMIN_ONLY);
		assertThat(status.get("CapPrm")).isEqualTo(NET_ADMIN_ONLY);
		assertThat(status.get("CapBnd")).isEqualTo(NET_ADMIN_ONLY);
		assertThat(status.get("NoNewPrivs")).isEqualTo("1");

		try (ToyVpnClient phone = ToyVpnClient.withTun(t.phone(), server, "mgtc0", KEY, "nonroot")) {
			assertThat(Scenarios.ping(t.phone(), phone.tunName(), t.inetAddress(), 3).out()).contains(Scenarios.allReplied(3));
		}
		// healthy (TUN, socket, key, forwarding): keep-alives every WATCHDOG_USEC/2
		systemd.await("WATCHDOG=1", 3, Duration.ofSeconds(30));
		// broken: forwarding off, clients reach nothing; no keep-alive from then on (systemd would restart
		// the service after WatchdogSec), STATUS= says why; back on, the keep-alives are back
		Netns.exec(t.gw(), "sh", "-c", "echo 0 > /proc/sys/net/ipv4/ip_forward").check();
		int broken = systemd.await(m -> m.startsWith("STATUS=Tunnel serving, unhealthy: forwarding net.ipv4.ip_forward=0"), 0,
				Duration.ofSeconds(10));
		Thread.sleep(3_000); // three keep-alive intervals
		assertThat(systemd.messages().subList(broken, systemd.messages().size())).as("no keep-alive while unhealthy")
				.doesNotContain("WATCHDOG=1");
		Netns.exec(t.gw(), "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward").check();
		int healed = systemd.await(m -> m.startsWith("STATUS=Tunnel serving ("), broken, Duration.ofSeconds(10));
		systemd.await("WATCHDOG=1"::equals, healed, Duration.ofSeconds(10));
		assertThat(Netns.exec(t.gw(), "nft", "list", "tables").out()).contains("mobilegt_mgt0");
		// what a missing privilege looks like, from the JDK, JNA, ip and nft (an unrelated error, e.g. Felix HTTP's
		// occasional whiteboard race at start, is not this test's business)
		assertThat(gw.log()).as("nothing failed for want of root").noneMatch(l -> (l.startsWith("ERROR") || l.contains(" ERROR "))
				&& l.matches("(?i).*(not permitted|permission denied|AccessDenied|EPERM|EACCES|must be root|requires root).*"));

		assertThat(gw.stop()).isEqualTo(143);
		systemd.await("STOPPING=1|STATUS=Shutting down", 1, Duration.ofSeconds(5));
		assertThat(Netns.exec(t.gw(), "ip", "route", "show", "10.77.0.0/16").out().strip()).as("route removed").isEmpty();
		assertThat(Netns.exec(t.gw(), "nft", "list", "tables").out()).as("NAT removed").doesNotContain("mobilegt_mgt0");
		assertThat(owners(dir.resolve("data"))).as("what the service wrote is its own").containsOnly(UID);
		assertThat(dir.resolve("log")).as("the package's logging: stdout (the journal) only, no file").doesNotExist();
		assertThat(gw.log()).as("the package's layout: the journal adds the time")
				.anyMatch(l -> l.startsWith("INFO  [TunDriver] TUN mgt0 up"));
		assertThat(Files.getPosixFilePermissions(dir.resolve("data"))).as("UMask=0077")
				.isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
	}

	/** /etc/mobilegt as the package leaves it: its cfg files, root:mobilegt 0770/0660. */
	private static void packagedConfiguration(Gateway gw, Path shippedConf) throws IOException {
		Path conf = gw.workDir().resolve("conf");
		try (Stream<Path> shipped = Files.list(shippedConf)) {
			for (Path cfg : shipped.toList()) {
				Files.copy(cfg, conf.resolve(cfg.getFileName()));
			}
		}
		gw.conf("mobilegt.auth", Map.of("key", KEY)).conf("mobilegt.console", Map.of("port", "8080"));
		Path dir = gw.workDir();
		Netns.host("chown", "-R", UID + ":" + GID, dir.toString()).check();
		Netns.host("chmod", "0750", dir.toString()).check();
		Netns.host("chown", "-R", "0:" + GID, conf.toString()).check();
		Netns.host("sh", "-c", "chmod 0770 \"$1\" && chmod 0660 \"$1\"/*", "sh", conf.toString()).check();
	}

	private static Map<String, String> standIns(Path dir, Path pkg) {
		Map<String, String> paths = new LinkedHashMap<>();
		paths.put(ServiceUnit.JAVA, Path.of(System.getProperty("java.home"), "bin", "java").toString());
		paths.put(ServiceUnit.JAR, pkg + ServiceUnit.JAR);
		paths.put(ServiceUnit.CONF, dir.resolve("conf").toString());
		paths.put(ServiceUnit.STATE, dir.toString());
		paths.put(ServiceUnit.LOGS, dir.resolve("log").toString());
		paths.put(ServiceUnit.RUN, dir.resolve("run").toString());
		return paths;
	}

	/**
	 * The unit's ExecStartPre (as root, "+") in the gw namespace only, finding the package's
	 * sysctl file (from the unpacked package) by name as on an installed system: here in a
	 * /run/sysctl.d of its own mount namespace.
	 */
	private static void forwardingAsExecStartPre(Topology t, ServiceUnit unit, Path sysctlFile) throws IOException {
		String pre = unit.one("ExecStartPre");
		assertThat(pre).as("runs privileged").startsWith("+");
		List<String> argv = ServiceUnit.words(pre);
		assertThat(argv).last().isEqualTo(Path.of(ServiceUnit.SYSCTL).getFileName().toString());
		Netns.exec(t.gw(), "sh", "-c", "echo 0 > /proc/sys/net/ipv4/ip_forward").check();
		if (Files.isExecutable(Path.of(argv.get(0)))) {
			List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
					"mount -t tmpfs none /run && mkdir /run/sysctl.d && cp \"$0\" /run/sysctl.d/ && exec \"$@\"",
					sysctlFile.toString()));
			cmd.addAll(argv);
			Netns.exec(t.gw(), cmd.toArray(String[]::new)).check();
		} else {
			E2e.log(argv.get(0) + " not here (no systemd): ip_forward set from " + sysctlFile + " by hand");
			assertThat(Files.readString(sysctlFile))
					.containsPattern("(?m)^net\\.ipv4\\.ip_forward\\s*=\\s*1$");
			Netns.exec(t.gw(), "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward").check();
		}
		assertThat(Netns.exec(t.gw(), "cat", "/proc/sys/net/ipv4/ip_forward").out().strip()).isEqualTo("1");
	}

	private static Map<String, String> procStatus(long pid) throws IOException {
		Map<String, String> fields = new LinkedHashMap<>();
		for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
			int colon = line.indexOf(':');
			fields.put(line.substring(0, colon), line.substring(colon + 1).strip());
		}
		return fields;
	}

	private static List<Integer> owners(Path dir) throws IOException {
		try (Stream<Path> files = Files.walk(dir)) {
			List<Integer> owners = new ArrayList<>();
			for (Path p : files.toList()) {
				owners.add((Integer) Files.getAttribute(p, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS));
			}
			return owners;
		}
	}
}

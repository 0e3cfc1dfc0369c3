package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian package that mvn package built, checked without installing it on this host:
 * contents and modes, control fields, lintian, systemd-analyze verify on its unit, and its
 * postinst run with every command that would change the system replaced by a recorder, in a
 * throw-away network and mount namespace. (NonRootServiceTest starts the unpacked package.)
 */
@RequiresRoot
class DebPackageTest {

	/** Every default configuration file of the source tree (cnf/conf) ships as a conffile. */
	static final List<String> CFG = shippedConfiguration();
	private static final Duration TOOL = Duration.ofSeconds(120);

	@TempDir
	Path tmp;

	private static List<String> shippedConfiguration() {
		try (Stream<Path> files = Files.list(ServiceUnit.debDir().resolve("../cnf/conf").normalize())) {
			return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".cfg")).sorted().toList();
		} catch (IOException e) {
			throw new java.io.UncheckedIOException(e);
		}
	}

	@Test
	void shipsJarUnitCliConfigurationAndDocsWithTheirModes() {
		String listing = run("dpkg-deb", "-c", ServiceUnit.debFile().toString()).out();
		assertThat(listing).containsPattern("-rw-r--r-- root/root .* \\./usr/share/mobilegt/gateway\\.jar\\n")
				.containsPattern("-rw-r--r-- root/root .* \\./lib/systemd/system/mobilegt\\.service\\n")
				.containsPattern("-rw-r--r-- root/root .* \\./usr/lib/sysctl\\.d/60-mobilegt\\.conf\\n")
				.containsPattern("-rw-r--r-- root/root .* \\./usr/lib/tmpfiles\\.d/mobilegt\\.conf\\n")
				.containsPattern("-rw-r--r-- root/root .* \\./usr/share/doc/mobilegt/copyright\\n")
				.containsPattern("-rw-r--r-- root/root .* \\./usr/share/doc/mobilegt/changelog\\.gz\\n")
				.containsPattern("drwxr-x--- root/root .* \\./etc/mobilegt/\\n");
		for (String cfg : CFG) {
			assertThat(listing).as("the shared key's file and its siblings are not world-readable")
					.containsPattern("-rw-r----- root/root .* \\./etc/mobilegt/" + cfg.replace(".", "\\.") + "\\n");
		}
		if (Files.exists(ServiceUnit.debDir().resolve("../scripts/mobilegt"))) {
			assertThat(listing).containsPattern("-rwxr-xr-x root/root .* \\./usr/bin/mobilegt\\n");
		}
	}

	@Test
	void controlDependsOnJavaIprouteNftablesAndMarksEveryCfgAsConffile() throws IOException {
		String deb = ServiceUnit.debFile().toString();
		assertThat(run("dpkg-deb", "-f", deb, "Package", "Architecture").out().lines())
				.containsExactly("Package: mobilegt", "Architecture: all");
		assertThat(run("dpkg-deb", "-f", deb, "Depends").out().strip())
				.startsWith("default-jre-headless (>= 2:1.17) | java17-runtime-headless, iproute2, nftables");
		Path control = tmp.resolve("control");
		run("dpkg-deb", "-e", deb, control.toString());
		assertThat(Files.readAllLines(control.resolve("conffiles")))
				.containsExactlyInAnyOrderElementsOf(CFG.stream().map(c -> "/etc/mobilegt/" + c).toList());
		assertThat(Files.readString(control.resolve("md5sums"))).contains("usr/share/mobilegt/gateway.jar");
	}

	@Test
	void shippedConfigurationIsTheDocumentedDefaultsAndLogsToTheJournalOnly() throws IOException {
		Path root = ServiceUnit.unpack(tmp.resolve("root"));
		Path cnf = ServiceUnit.debDir().resolve("../cnf/conf");
		for (String cfg : CFG.subList(0, CFG.size() - 1)) {
			assertThat(root.resolve("etc/mobilegt").resolve(cfg)).hasSameTextualContentAs(cnf.resolve(cfg));
		}
		List<String> logging = active(root.resolve("etc/mobilegt/org.ops4j.pax.logging.cfg"));
		assertThat(logging)
				.contains("log4j2.rootLogger.appenderRef.console.ref=Console", "log4j2.appender.console.type=Console",
						"log4j2.rootLogger.appenderRef.ring.ref=Ring", "log4j2.appender.ring.type=PaxOsgi")
				.noneMatch(l -> l.contains("appenderRef.file") || l.contains("RollingFile"));
		assertThat(active(root.resolve("usr/lib/tmpfiles.d/mobilegt.conf")))
				.containsExactly("d /run/mobilegt 0750 mobilegt mobilegt -");
		assertThat(active(root.resolve("usr/lib/sysctl.d/60-mobilegt.conf"))).containsExactly("net.ipv4.ip_forward = 1");
	}

	@Test
	void lintianReportsNoErrors() {
		assumeTool("lintian");
		Exec.Result r = Exec.run(TOOL, List.of("lintian", "--no-tag-display-limit", ServiceUnit.debFile().toString()));
		String tags = r.out() + r.err();
		E2e.log("lintian: " + (tags.isBlank() ? "clean" : "\n" + tags));
		assertThat(tags.lines()).as("lintian errors").noneMatch(l -> l.startsWith("E: "));
		assertThat(r.exitCode()).as(r.toString()).isZero();
	}

	@Test
	void unitPassesSystemdAnalyzeVerify() throws IOException {
		assumeTool("systemd-analyze");
		// a root with the unit, the host's targets and slices, and stand-ins for what it executes
		Path root = tmp.resolve("root");
		Path units = Files.createDirectories(root.resolve("lib/systemd/system"));
		try (Stream<Path> host = Files.list(Path.of("/lib/systemd/system"))) {
			for (Path p : host.filter(p -> p.toString().matches(".*\\.(target|slice|socket)$") && Files.isRegularFile(p))
					.toList()) {
				Files.copy(p, units.resolve(p.getFileName()));
			}
		}
		Files.copy(ServiceUnit.unitFile(), units.resolve("mobilegt.service"));
		ServiceUnit unit = ServiceUnit.read();
		List<String> commands = new ArrayList<>(unit.get("ExecStartPre"));
		commands.add(unit.one("ExecStart"));
		for (String command : commands) {
			Path exe = root.resolve(ServiceUnit.words(command).get(0).substring(1));
			Files.createDirectories(exe.getParent());
			Files.writeString(exe, "#!/bin/sh\n");
			exe.toFile().setExecutable(true);
		}
		Exec.Result r = Exec.run(TOOL, List.of("systemd-analyze", "verify", "--man=no", "--root=" + root, "mobilegt.service"));
		assertThat(r.exitCode()).as(r.toString()).isZero();
		assertThat((r.out() + r.err()).strip()).as("no warnings either").isEmpty();
	}

	@Test
	void postinstCreatesAccountDirectoriesModesAndEnablesTheUnit() throws IOException {
		Path control = tmp.resolve("control");
		run("dpkg-deb", "-e", ServiceUnit.debFile().toString(), control.toString());
		for (String script : List.of("postinst", "prerm", "postrm")) {
			run("sh", "-n", control.resolve(script).toString());
		}
		// every command that changes the system records its arguments instead; getent: no such user
		Path stubs = Files.createDirectories(tmp.resolve("stubs"));
		Path calls = tmp.resolve("calls");
		for (String tool : List.of("adduser", "getent", "install", "chown", "chmod", "systemd-tmpfiles", "systemctl",
				"deb-systemd-helper", "deb-systemd-invoke")) {
			Path stub = stubs.resolve(tool);
			Files.writeString(stub, "#!/bin/sh\necho \"" + tool + " $*\" >> " + calls + "\nexit "
					+ (tool.equals("getent") ? 2 : 0) + "\n");
			stub.toFile().setExecutable(true);
		}
		// /etc/mobilegt as dpkg unpacked it, on a tmpfs over /etc that only this mount namespace sees;
		// the sysctl it applies lands in the throw-away network namespace
		String ns = "mgt-" + ProcessHandle.current().pid() + "-postinst";
		Netns.create(ns);
		try {
			String script = "mount -t tmpfs none /etc && mkdir -p /etc/mobilegt && for c in " + String.join(" ", CFG)
					+ "; do : > /etc/mobilegt/$c; done && PATH=" + stubs + ":$PATH sh " + control.resolve("postinst") + " configure";
			Netns.exec(ns, Duration.ofSeconds(60), "unshare", "--mount", "--propagation", "private", "sh", "-c", script).check();
		} finally {
			Netns.delete(ns);
		}
		List<String> recorded = Files.readAllLines(calls);
		assertThat(recorded).contains("getent passwd mobilegt",
				"adduser --quiet --system --group --no-create-home --home /var/lib/mobilegt --gecos mobilegt VPN gateway mobilegt",
				"install -d -m 0750 -o mobilegt -g mobilegt /var/lib/mobilegt /var/log/mobilegt",
				"chown root:mobilegt /etc/mobilegt", "chmod 0770 /etc/mobilegt", "systemd-tmpfiles --create mobilegt.conf",
				"deb-systemd-helper enable mobilegt.service");
		for (String cfg : CFG) {
			assertThat(recorded).contains("chown root:mobilegt /etc/mobilegt/" + cfg, "chmod 0660 /etc/mobilegt/" + cfg);
		}
		assertThat(recorded.indexOf("getent passwd mobilegt")).isLessThan(recorded.indexOf("chown root:mobilegt /etc/mobilegt"));
	}

	private static List<String> active(Path file) throws IOException {
		return Files.readAllLines(file).stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
	}

	private static Exec.Result run(String... argv) {
		return Exec.run(TOOL, Arrays.asList(argv)).check();
	}

	private static void assumeTool(String tool) {
		boolean present = Exec.run(TOOL, List.of("sh", "-c", "command -v " + tool)).ok();
		if (!present) {
			E2e.log("SKIPPED: " + tool + " is not installed (scripts/test.sh installs it)");
		}
		assumeTrue(present, tool + " is not installed (scripts/test.sh installs it)");
	}
}

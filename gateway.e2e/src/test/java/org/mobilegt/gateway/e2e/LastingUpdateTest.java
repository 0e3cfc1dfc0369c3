package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;

/**
 * An operator's hot update outlives a restart: the launcher keeps the framework cache and prefers
 * the operator's copy to the one inside gateway.jar, vpn:status says which bundles differ from the
 * shipped ones, plain {@code update <id>} re-reads the shipped copy, and
 * {@code -Dmobilegt.reset-bundles=true} puts every bundle back.
 */
@RequiresRoot
class LastingUpdateTest {

	private static final String TUNNEL = "org.mobilegt.gateway.tunnel.udp";
	private static final String AUTH = "org.mobilegt.gateway.auth.keycheck";
	private static final String BUMPED = "1.0.99";

	@Test
	void anUpdatedBundleStaysAfterARestartUntilReset() throws Exception {
		try (Topology t = Topology.create(); Gateway gw = Scenarios.gateway(t, "LastingUpdateTest/restart").start()) {
			gw.awaitTunnel(START);
			assertThat(gw.gogo("vpn:status")).contains("bundles   as shipped in gateway.jar");
			String shipped = version(gw, TUNNEL);

			// update <id> <url>: a copy of tunnel.udp with another version and a marker header
			Path bumped = bump(gw.embeddedBundle("tunnel.udp"), gw.workDir().resolve("bundles/tunnel.udp-" + BUMPED + ".jar"));
			long tunnel = gw.bundles().get(TUNNEL).id();
			int mark = gw.logMark();
			assertThat(gw.gogo("update " + tunnel + " " + bumped.toUri())).doesNotContain("Exception");
			gw.awaitTunnelAfter(mark, START);
			assertThat(version(gw, TUNNEL)).isEqualTo(BUMPED);
			assertThat(gw.gogo("(bundle " + tunnel + ") headers")).contains("X-Mobilegt-Test");

			// plain update <id>: re-reads its location, the copy inside gateway.jar
			long auth = gw.bundles().get(AUTH).id();
			long before = gw.lastModified(auth);
			assertThat(gw.gogo("update " + auth)).doesNotContain("Exception").doesNotContain("rror");
			assertThat(gw.lastModified(auth)).isGreaterThan(before);
			assertThat(gw.gogo("vpn:status")).contains("changed by an operator").containsPattern(
					"\\d+ " + TUNNEL.replace(".", "\\.") + " " + BUMPED + " updated");

			// restart: the operator's tunnel.udp is still the one that runs, and it serves
			gw.stop();
			gw.start();
			gw.awaitTunnel(START);
			assertThat(version(gw, TUNNEL)).as("tunnel.udp after a restart").isEqualTo(BUMPED);
			assertThat(gw.bundles().get(TUNNEL).id()).as("same bundle, from the kept cache").isEqualTo(tunnel);
			assertThat(gw.log()).anyMatch(l -> l.contains("Bundle " + TUNNEL + " " + BUMPED + ": keeping the operator's update"));
			try (ToyVpnClient alice = ToyVpnClient.open(t.phone(), gw.tunnelEndpoint())) {
				assertThat(alice.handshake(KEY, "alice").address()).startsWith("10.77.");
			}
			assertThat(gw.gogo("vpn:status --json")).contains("\"symbolicName\":\"" + TUNNEL + "\"", "\"change\":\"updated\"");

			// back to the shipped bundles
			gw.stop();
			gw.jvmArgs("-Dmobilegt.reset-bundles=true").start();
			gw.awaitTunnel(START);
			assertThat(version(gw, TUNNEL)).isEqualTo(shipped);
			assertThat(gw.gogo("vpn:status")).contains("bundles   as shipped in gateway.jar");
		}
	}

	/** The version {@code lb -s} shows for {@code bsn}: {@code ...|org.x (1.0.0.SNAPSHOT)|1.0.0.SNAPSHOT}. */
	private static String version(Gateway gw, String bsn) {
		String row = gw.gogo("lb -s " + bsn).lines().filter(l -> l.contains("|" + bsn + " (")).findFirst()
				.orElseThrow(() -> new AssertionError("no " + bsn + " in lb -s"));
		return row.substring(row.lastIndexOf('|') + 1).strip();
	}

	/** {@code source} with Bundle-Version {@value #BUMPED} and a marker header; everything else unchanged. */
	private static Path bump(Path source, Path target) throws IOException {
		try (JarInputStream in = new JarInputStream(Files.newInputStream(source))) {
			Manifest manifest = new Manifest(in.getManifest());
			manifest.getMainAttributes().put(new Attributes.Name("Bundle-Version"), BUMPED);
			manifest.getMainAttributes().put(new Attributes.Name("X-Mobilegt-Test"), "lasting update");
			try (OutputStream file = Files.newOutputStream(target); JarOutputStream out = new JarOutputStream(file, manifest)) {
				for (JarEntry e; (e = in.getNextJarEntry()) != null;) {
					out.putNextEntry(new JarEntry(e.getName()));
					in.transferTo(out);
					out.closeEntry();
				}
			}
		}
		return target;
	}
}

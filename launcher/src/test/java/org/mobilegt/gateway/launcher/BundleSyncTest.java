package org.mobilegt.gateway.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.startlevel.BundleStartLevel;

/** The launcher's plan and its bundle sync against a real Felix, with a kept cache across "restarts". */
class BundleSyncTest {

	@TempDir
	Path dir;

	@Test
	void readsRunPropertiesBundlesAndStartLevels() throws Exception {
		LaunchPlan plan = LaunchPlan.read(jar("gateway.jar", Map.of("a", "1.0.0", "b", "1.0.0")));
		assertThat(plan.runProperties()).containsEntry("some.property", "x").doesNotContainKey("launch.bundles");
		assertThat(plan.storageDir()).isEqualTo("data/framework");
		assertThat(plan.bundles()).extracting(LaunchPlan.ShippedBundle::symbolicName).containsExactly("org.test.a", "org.test.b");
		assertThat(plan.bundles()).extracting(LaunchPlan.ShippedBundle::startLevel).containsExactly(1, 3);
	}

	@Test
	void installsOnceKeepsOperatorUpdatesTakesNewShippedCopiesAndResets() throws Exception {
		Path jar = jar("gateway.jar", Map.of("a", "1.0.0", "b", "1.0.0"));
		Path storage = dir.resolve("cache");

		try (Running fw = start(jar, storage, false)) {
			Bundle a = fw.bundle("org.test.a");
			assertThat(a.getLocation()).isEqualTo("mobilegt:org.test.a");
			assertThat(a.adapt(BundleStartLevel.class).getStartLevel()).isEqualTo(1);
			assertThat(fw.bundle("org.test.b").adapt(BundleStartLevel.class).getStartLevel()).isEqualTo(3);
			a.update(new ByteArrayInputStream(bundle("a", "2.0.0"))); // the operator's hot update
		}
		try (Running fw = start(jar, storage, false)) {
			assertThat(fw.bundle("org.test.a").getVersion()).as("kept across a restart").hasToString("2.0.0");
			Bundle b = fw.bundle("org.test.b");
			long modified = b.getLastModified();
			b.update(); // plain update: re-reads mobilegt:org.test.b, the copy in the jar
			assertThat(b.getLastModified()).isGreaterThanOrEqualTo(modified);
			assertThat(b.getVersion()).hasToString("1.0.0");
		}
		try (Running fw = start(jar, storage, true)) {
			assertThat(fw.bundle("org.test.a").getVersion()).as("after a reset").hasToString("1.0.0");
			fw.bundle("org.test.a").update(new ByteArrayInputStream(bundle("a", "2.0.0")));
		}
		Path newer = jar("gateway-new.jar", Map.of("a", "1.1.0"));
		try (Running fw = start(newer, storage, false)) {
			assertThat(fw.bundle("org.test.a").getVersion()).as("a new jar's copy wins").hasToString("1.1.0");
			assertThat(fw.find("org.test.b")).as("no longer shipped").isNull();
		}
	}

	private record Running(Framework framework) implements AutoCloseable {
		Bundle find(String bsn) {
			for (Bundle b : framework.getBundleContext().getBundles()) {
				if (bsn.equals(b.getSymbolicName())) {
					return b;
				}
			}
			return null;
		}

		Bundle bundle(String bsn) {
			Bundle b = find(bsn);
			assertThat(b).as(bsn).isNotNull();
			return b;
		}

		@Override
		public void close() throws Exception {
			framework.stop();
			framework.waitForStop(10_000);
		}
	}

	private static Running start(Path jar, Path storage, boolean reset) throws Exception {
		LaunchPlan plan = LaunchPlan.read(jar);
		Framework fw = ServiceLoader.load(FrameworkFactory.class).findFirst().orElseThrow()
				.newFramework(Map.of(Constants.FRAMEWORK_STORAGE, storage.toString()));
		fw.init();
		ShippedUrls urls = new ShippedUrls(plan);
		fw.getBundleContext().registerService(org.osgi.service.url.URLStreamHandlerService.class, urls, ShippedUrls.serviceProperties());
		new BundleSync(fw.getBundleContext(), urls, ShippedRecord.load(storage)).sync(plan.bundles(), reset);
		fw.start();
		return new Running(fw);
	}

	/** A jar laid out as gateway.jar: launcher.properties and the bundles in jar/. */
	private Path jar(String name, Map<String, String> versions) throws IOException {
		Path file = dir.resolve(name);
		StringBuilder entries = new StringBuilder();
		StringBuilder attrs = new StringBuilder();
		try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
			for (String id : versions.keySet().stream().sorted().toList()) {
				String entry = "jar/" + id + "-" + versions.get(id) + ".jar";
				zip.putNextEntry(new ZipEntry(entry));
				zip.write(bundle(id, versions.get(id)));
				entries.append(entries.length() == 0 ? "" : ",").append(entry);
				attrs.append(attrs.length() == 0 ? "" : ",").append("org.test.").append(id).append(";version=\"")
						.append(versions.get(id)).append("\";startlevel=").append(id.equals("a") ? 1 : 3);
			}
			zip.putNextEntry(new ZipEntry(LaunchPlan.PROPERTIES));
			String props = "some.property=x\nlaunch.storage.dir=data/framework\nlaunch.bundles=" + entries
					+ "\nlaunch.runbundles.attrs=" + attrs.toString().replace("=", "\\=") + "\n";
			zip.write(props.getBytes(StandardCharsets.ISO_8859_1));
		}
		return file;
	}

	private static byte[] bundle(String id, String version) throws IOException {
		Manifest m = new Manifest();
		Attributes a = m.getMainAttributes();
		a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
		a.putValue(Constants.BUNDLE_MANIFESTVERSION, "2");
		a.putValue(Constants.BUNDLE_SYMBOLICNAME, "org.test." + id);
		a.putValue(Constants.BUNDLE_VERSION, version);
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (OutputStream out = new JarOutputStream(bytes, m)) {
			// a manifest is all a bundle needs
		}
		return bytes.toByteArray();
	}
}

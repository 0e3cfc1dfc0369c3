package org.mobilegt.gateway.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Many source addresses for an attacker in the phone namespace: {@code count} addresses of
 * 100.72.0.0/13 (shared address space, as behind carrier-grade NATs; apart from the topology's own
 * ranges) on the phone's veth, and a route back to them in the gw namespace (so that the
 * gateway's replies go where a spoofing attacker aims them).
 */
final class SpoofedSources {

	private SpoofedSources() {
	}

	static List<String> add(Topology t, int count) {
		if (count < 1 || count > 65_000) {
			throw new IllegalArgumentException("1 to 65000 addresses: " + count);
		}
		List<String> addresses = new ArrayList<>(count);
		StringBuilder batch = new StringBuilder();
		for (int i = 0; i < count; i++) {
			String a = "100." + (72 + (i >> 16)) + "." + ((i >> 8) & 0xFF) + "." + (i & 0xFF);
			addresses.add(a);
			batch.append("addr add ").append(a).append("/32 dev ").append(Topology.PHONE_IF).append('\n');
		}
		try {
			Path file = Files.createTempFile("mgt-spoofed", ".ip");
			try {
				Files.writeString(file, batch);
				Netns.host("ip", "-n", t.phone(), "-batch", file.toString()).check();
			} finally {
				Files.delete(file);
			}
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		Netns.host("ip", "-n", t.gw(), "route", "add", "100.72.0.0/13", "via", t.phoneAddress()).check();
		return addresses;
	}
}

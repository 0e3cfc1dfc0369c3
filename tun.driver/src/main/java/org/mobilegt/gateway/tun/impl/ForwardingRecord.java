package org.mobilegt.gateway.tun.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.mobilegt.gateway.common.PrivateFiles;

/**
 * Sets a sysctl (IPv4 forwarding by default; IPv6 forwarding and accept_ra, see
 * {@link Ipv6Sysctls}) and remembers, in a file of the bundle's data area, the value it found,
 * so that the final stop restores it however often the gateway was killed (kill -9), restarted or
 * updated in between: the record is written (atomically, synced) before the sysctl changes, and
 * removed only after the original value is back.
 * <p>
 * The record names the boot and the network namespace it was made in: after a reboot or in a new
 * namespace the kernel started afresh, the sysctl no longer is ours, and the record is dropped.
 */
class ForwardingRecord {

	static final String IP_FORWARD = "net.ipv4.ip_forward";

	private final Path sysctl;
	private final Path record;
	private final String where;
	private final String name;
	private final String value;

	/** {@code where}: identifies this boot and network namespace, see {@link #currentPlace()}. */
	ForwardingRecord(Path sysctl, Path record, String where) {
		this(sysctl, record, where, IP_FORWARD, "1");
	}

	/** {@code name}: the sysctl's name for people; {@code value}: what {@link #turnOn()} sets. */
	ForwardingRecord(Path sysctl, Path record, String where, String name, String value) {
		this.sysctl = sysctl;
		this.record = record;
		this.where = where;
		this.name = name;
		this.value = value;
	}

	Path record() {
		return record;
	}

	/** This boot's id and this process's network namespace, e.g. {@code 3f2a... net:[4026531840]}. */
	static String currentPlace() {
		try {
			return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim() + " "
					+ Files.readSymbolicLink(Path.of("/proc/self/ns/net"));
		} catch (IOException | UnsupportedOperationException e) {
			return "unknown";
		}
	}

	/**
	 * Sets the value. Returns what to undo when this run (or an earlier one that never got to stop)
	 * set it, nothing when it was so before the gateway came.
	 *
	 * @throws HostNetwork.ForwardingOff if it is not and this process may not set it (not root)
	 */
	Optional<Installed> turnOn() throws IOException {
		String original = recorded().orElse(null);
		String now = Files.readString(sysctl).trim();
		boolean fresh = original == null;
		if (fresh) {
			if (now.equals(value)) {
				return Optional.empty();
			}
			original = now;
			write(original);
		}
		if (!now.equals(value)) {
			try {
				Files.writeString(sysctl, value);
			} catch (IOException e) {
				if (fresh) {
					Files.deleteIfExists(record); // nothing was changed after all
				}
				throw new HostNetwork.ForwardingOff(name, value, e);
			}
		}
		String before = original;
		return Optional.of(new Installed(name + "=" + value + " (was " + before + ")", () -> restore(before)));
	}

	/** Puts back the value an earlier run recorded and never got to restore (killed, then turned off). */
	void restoreRecorded() throws IOException {
		Optional<String> original = recorded();
		if (original.isPresent()) {
			restore(original.get());
		}
	}

	/** A sysctl that is gone (its interface was removed) has nothing left to restore. */
	private void restore(String original) throws IOException {
		if (Files.exists(sysctl)) {
			Files.writeString(sysctl, original);
		}
		Files.deleteIfExists(record);
	}

	/** The original value kept by an earlier run in this boot and namespace. */
	private Optional<String> recorded() throws IOException {
		if (!Files.exists(record)) {
			return Optional.empty();
		}
		String[] lines = Files.readString(record, StandardCharsets.UTF_8).split("\n", 2);
		if (lines.length == 2 && lines[1].trim().equals(where) && lines[0].matches("[0-9]")) {
			return Optional.of(lines[0]);
		}
		Files.delete(record); // another boot or namespace: its sysctl is gone
		return Optional.empty();
	}

	private void write(String value) throws IOException {
		Files.createDirectories(record.getParent());
		PrivateFiles.write(record, (value + "\n" + where + "\n").getBytes(StandardCharsets.UTF_8)); // synced, then renamed
	}
}

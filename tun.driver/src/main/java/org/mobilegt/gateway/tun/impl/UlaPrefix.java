package org.mobilegt.gateway.tun.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Random;
import java.util.function.Consumer;

import org.mobilegt.gateway.common.PrivateFiles;
import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.net.api.IpPrefix;

/**
 * The default {@code subnet6}: a unique local /64 (RFC 4193 3.1: {@code fd} + a 40-bit random
 * global ID + subnet ID 0), generated once and kept in a file of the configuration directory.
 * There, unlike in the bundle's data area, it outlives a reinstall of the bundle or of the
 * package and a wiped framework cache, as the leases and the clients' addresses that depend on it
 * must; an operator sees it next to the .cfg files and can back it up with them.
 */
final class UlaPrefix {

	static final String FILE = "subnet6.ula";
	/** Framework property naming the configuration directory ({@code conf} in the working directory without it). */
	static final String CONF_PROPERTY = "mobilegt.conf";

	private final Path file;
	private final Random random;
	private final Consumer<String> announce;
	private IpPrefix prefix;

	/** {@code announce}: told once, when a prefix is generated, what it is and where it is kept. */
	static UlaPrefix inConfigurationDirectory(String directory, Consumer<String> announce) {
		return new UlaPrefix(Path.of(directory == null ? "conf" : directory, FILE), new SecureRandom(), announce);
	}

	/** {@code random}: a {@link SecureRandom}, replaceable so tests can count on the bits. */
	UlaPrefix(Path file, Random random, Consumer<String> announce) {
		this.file = file;
		this.random = random;
		this.announce = announce;
	}

	/**
	 * The kept prefix, generated and written first if there is none yet. A file that holds anything
	 * but a ULA /64 is refused, not replaced: a new prefix would renumber every client.
	 */
	synchronized IpPrefix get() throws IOException {
		if (prefix != null) {
			return prefix;
		}
		if (Files.exists(file)) {
			String text = Files.readString(file, StandardCharsets.UTF_8).strip();
			try {
				IpPrefix kept = IpPrefix.parse(text);
				if (isUla64(kept)) {
					return prefix = kept;
				}
			} catch (IllegalArgumentException e) {
				// refused below
			}
			throw new IOException(file + " holds '" + text + "', not a unique local /64 (fdXX:XXXX:XXXX::/64): "
					+ "fix or delete it (a new prefix renumbers every client), or set subnet6");
		}
		IpPrefix fresh = generate(random);
		Files.createDirectories(file.toAbsolutePath().getParent());
		PrivateFiles.write(file, (fresh + "\n").getBytes(StandardCharsets.UTF_8)); // synced, then renamed
		announce.accept("subnet6=auto: generated the unique local prefix " + fresh + " (RFC 4193), kept in "
				+ file.toAbsolutePath() + " (delete it, or set subnet6, to renumber)");
		return prefix = fresh;
	}

	/** fd + 40 random bits + subnet ID 0, interface ID 0: {@code fdXX:XXXX:XXXX::/64}. */
	static IpPrefix generate(Random random) {
		long globalId = random.nextLong() & 0xFF_FFFF_FFFFL;
		return IpPrefix.of(IpAddress.ofIpv6(0xFDL << 56 | globalId << 16, 0), 64);
	}

	static boolean isUla64(IpPrefix p) {
		return !p.isIpv4() && p.length() == 64 && p.address().high() >>> 56 == 0xFD && (p.address().high() & 0xFFFF) == 0;
	}
}

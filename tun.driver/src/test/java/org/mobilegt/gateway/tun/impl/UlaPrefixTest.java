package org.mobilegt.gateway.tun.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mobilegt.gateway.net.api.IpPrefix;

class UlaPrefixTest {

	@TempDir
	Path dir;

	@Test
	void aGeneratedPrefixIsFdThenFortyRandomBitsThenSubnetZeroAsASlash64() {
		// every bit of the global ID set: it lands in bits 119..80 and no further
		IpPrefix all = UlaPrefix.generate(new Random() {
			@Override
			public long nextLong() {
				return -1L;
			}
		});
		assertThat(all).hasToString("fdff:ffff:ffff::/64");
		IpPrefix none = UlaPrefix.generate(new Random() {
			@Override
			public long nextLong() {
				return 0xFFFF_FF00_0000_0000L;
			}
		});
		assertThat(none).hasToString("fd00::/64");
		assertThat(UlaPrefix.isUla64(all)).isTrue();
		assertThat(UlaPrefix.isUla64(IpPrefix.parse("fd00:0:0:1::/64"))).as("subnet ID not 0").isFalse();
		assertThat(UlaPrefix.isUla64(IpPrefix.parse("fc00::/64"))).as("L bit clear").isFalse();
	}

	@Test
	void globalIdsFromSecureRandomDifferAndUseAllFortyBits() {
		SecureRandom random = new SecureRandom();
		Set<Long> ids = new HashSet<>();
		long seen = 0;
		for (int i = 0; i < 200; i++) {
			IpPrefix p = UlaPrefix.generate(random);
			assertThat(p.toString()).matches("fd[0-9a-f]{2}(:[0-9a-f]{1,4}){0,2}::/64");
			long id = p.address().high() >>> 16 & 0xFF_FFFF_FFFFL;
			ids.add(id);
			seen |= id;
		}
		assertThat(ids).hasSize(200);
		assertThat(seen).as("every bit of the global ID set at least once").isEqualTo(0xFF_FFFF_FFFFL);
	}

	@Test
	void theFirstPrefixIsWrittenOwnerOnlyAndKeptByEveryLaterStart() throws IOException {
		Path file = dir.resolve("conf").resolve(UlaPrefix.FILE);
		List<String> announced = new ArrayList<>();
		IpPrefix first = new UlaPrefix(file, new SecureRandom(), announced::add).get();
		assertThat(announced).singleElement().asString().contains("generated the unique local prefix " + first,
				file.toAbsolutePath().toString());
		assertThat(UlaPrefix.isUla64(first)).isTrue();
		assertThat(file).hasContent(first.toString());
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
		for (int start = 0; start < 3; start++) {
			assertThat(new UlaPrefix(file, new SecureRandom(), announced::add).get()).isEqualTo(first);
		}
		assertThat(announced).as("announced once, at generation").hasSize(1);
	}

	@Test
	void aFileThatHoldsSomethingElseIsRefusedAndLeftAsItIs() throws IOException {
		Path file = dir.resolve(UlaPrefix.FILE);
		for (String bad : new String[] { "garbage", "2001:db8::/64", "fd12:3456:789a::/48", "fd12:3456:789a::1/64" }) {
			Files.writeString(file, bad + "\n");
			assertThatThrownBy(() -> new UlaPrefix(file, new SecureRandom(), m -> { }).get()).isInstanceOf(IOException.class)
					.hasMessageContaining("not a unique local /64").hasMessageContaining("renumbers every client");
			assertThat(file).hasContent(bad);
		}
	}
}

package org.mobilegt.gateway.app.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CfgFileTest {

	static final String FILE = """
			# The UDP side.

			# UDP port to listen on.
			#port=8000
			bind = 0.0.0.0
			dns=8.8.8.8,8.8.4.4
			""";

	@Test
	void readsActiveEntriesOnly() {
		assertThat(CfgFile.parse(FILE).values()).containsExactly(Map.entry("bind", "0.0.0.0"), Map.entry("dns", "8.8.8.8,8.8.4.4"));
	}

	@Test
	void updatingKeepsCommentsAndLayout() {
		Map<String, String> next = new LinkedHashMap<>();
		next.put("port", "9000"); // commented out: uncommented in place
		next.put("bind", "0.0.0.0"); // unchanged: the line stays as written
		next.put("mtu", "1300"); // new: appended
		String updated = CfgFile.parse(FILE).update(next).text();
		assertThat(updated).isEqualTo("""
				# The UDP side.

				# UDP port to listen on.
				port=9000
				bind = 0.0.0.0
				#dns=8.8.8.8,8.8.4.4
				mtu=1300
				""");
		assertThat(CfgFile.parse(updated).values()).isEqualTo(next);
	}

	@Test
	void writesAtomicallyForTheOwnerOnly(@TempDir Path dir) throws Exception {
		Path file = dir.resolve("mobilegt.auth.cfg");
		CfgFile.parse("key=s3cret\n").write(file);
		assertThat(Files.readString(file)).isEqualTo("key=s3cret\n");
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
		try (var files = Files.list(dir)) {
			assertThat(files).containsExactly(file);
		}
	}

	@Test
	void aValueCannotBreakTheFileIntoTwoLines() {
		String text = CfgFile.parse("").update(Map.of("key", "a\nb=c")).text();
		assertThat(CfgFile.parse(text).values()).containsOnlyKeys("key");
	}
}

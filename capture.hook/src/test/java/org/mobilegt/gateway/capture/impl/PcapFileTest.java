package org.mobilegt.gateway.capture.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mobilegt.gateway.common.testing.Ipv4Packets;

class PcapFileTest {

	@TempDir
	Path dir;

	@Test
	void writesOneFileWithoutLimit() throws IOException {
		byte[] p = Ipv4Packets.icmpEcho("10.77.0.2", "8.8.8.8", true, 1, 1, 56);
		try (PcapFile f = PcapFile.create(dir, "x", 0, 1)) {
			f.write(1_000_000_000_000_001L, p, p.length, p.length);
			f.write(1_000_000_000_500_000L, p, 20, p.length);
			assertThat(f.current()).isEqualTo(dir.resolve("x.pcap"));
		}
		PcapReader.File read = PcapReader.read(dir.resolve("x.pcap"));
		assertThat(read.magic()).isEqualTo(0xA1B2C3D4);
		assertThat(read.linktype()).isEqualTo(101);
		assertThat(read.records()).hasSize(2);
		assertThat(read.records().get(0).seconds()).isEqualTo(1_000_000_000L);
		assertThat(read.records().get(0).micros()).isEqualTo(1);
		assertThat(PcapReader.same(read.records().get(0), p)).isTrue();
		assertThat(read.records().get(1).included()).isEqualTo(20);
		assertThat(read.records().get(1).original()).isEqualTo(p.length);
	}

	@Test
	void rotatesThroughARingOfFilesKeepingTheNewest() throws IOException {
		byte[] p = Ipv4Packets.icmpEcho("10.77.0.2", "8.8.8.8", true, 1, 1, 1100 - 28);
		try (PcapFile f = PcapFile.create(dir, "ring", 4096, 2)) {
			for (int i = 0; i < 12; i++) { // 3 records of 16 + 1100 bytes fit a 4096-byte file after its 24-byte header, 4 do not
				f.write(i, p, p.length, p.length);
			}
			assertThat(f.files()).containsExactly(dir.resolve("ring_00003.pcap"), dir.resolve("ring_00004.pcap"));
			assertThat(f.packets()).isEqualTo(12);
		}
		try (Stream<Path> files = Files.list(dir)) {
			assertThat(files.map(x -> x.getFileName().toString()).sorted()).containsExactly("ring_00003.pcap", "ring_00004.pcap");
		}
		for (String name : new String[] { "ring_00003.pcap", "ring_00004.pcap" }) {
			assertThat(Files.size(dir.resolve(name))).isLessThanOrEqualTo(4096);
			assertThat(PcapReader.read(dir.resolve(name)).records()).hasSize(3);
		}
	}

	@Test
	void filesAreCreatedOwnerOnlyWhateverTheUmask() throws IOException {
		// the umask can only take bits away, so a file created 0600 never passes through a wider mode
		try (PcapFile f = PcapFile.create(dir, "private", 4096, 3)) {
			byte[] p = Ipv4Packets.icmpEcho("10.77.0.2", "8.8.8.8", true, 1, 1, 1000);
			for (int i = 0; i < 8; i++) {
				f.write(i, p, p.length, p.length);
			}
			assertThat(f.files()).hasSizeGreaterThan(1).allSatisfy(
					file -> assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------"));
		}
	}

	@Test
	void neverOverwritesAnExistingFile() throws IOException {
		Files.writeString(dir.resolve("taken.pcap"), "precious");
		assertThatThrownBy(() -> PcapFile.create(dir, "taken", 0, 1)).isInstanceOf(FileAlreadyExistsException.class);
		assertThat(Files.readString(dir.resolve("taken.pcap"))).isEqualTo("precious");
	}
}

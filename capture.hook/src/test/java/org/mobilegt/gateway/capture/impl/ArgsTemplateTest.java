package org.mobilegt.gateway.capture.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mobilegt.gateway.common.ConfigValueException;

class ArgsTemplateTest {

	private static Map<String, String> values(String client) {
		Map<String, String> v = new HashMap<>();
		v.put("tun", "mgt0");
		v.put("client", client);
		v.put("address", "10.77.0.2");
		v.put("address6", "fd00:4d::2");
		v.put("endpoint", "172.31.2.2:40000");
		v.put("session", "7");
		v.put("dir", "/var/capture");
		v.put("time", "20261101T120000.000Z");
		v.put("maxBytes", "1000000");
		v.put("files", "3");
		return v;
	}

	@Test
	void theDefaultTemplateGivesTheDefaultScriptItsSixArguments() {
		List<String> argv = ArgsTemplate.parse(ArgsTemplate.DEFAULT).expand(values("phone-1"));
		assertThat(argv).containsExactly("mgt0", "10.77.0.2", "/var/capture/20261101T120000.000Z_s7_phone-1", "1000000", "3",
				"fd00:4d::2");
	}

	@Test
	void theDefaultScriptFiltersOnBothAddressesOrTheIpv4OneAlone(@TempDir Path dir) throws Exception {
		Path script = dir.resolve("capture.sh");
		try (var in = DefaultScript.class.getResourceAsStream("mobilegt-capture.sh")) {
			Files.copy(in, script);
		}
		Path fake = dir.resolve("dumpcap"); // found first on the PATH: prints what it was given
		Files.writeString(fake, "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]' \"$a\"; done\n");
		fake.toFile().setExecutable(true);
		List<String> both = ArgsTemplate.parse(ArgsTemplate.DEFAULT).expand(values("phone-1"));
		assertThat(run(script, dir, both)).contains("[-f][host 10.77.0.2 or host fd00:4d::2]");
		Map<String, String> v4only = values("phone-1");
		v4only.put("address6", "");
		assertThat(run(script, dir, ArgsTemplate.parse(ArgsTemplate.DEFAULT).expand(v4only))).contains("[-f][host 10.77.0.2][-w]");
		Map<String, String> hostile = values("phone-1");
		hostile.put("address6", "fd00::2 or net 0.0.0.0/0");
		assertThat(run(script, dir, ArgsTemplate.parse(ArgsTemplate.DEFAULT).expand(hostile))).contains("not an IPv6 address");
	}

	private static String run(Path script, Path dir, List<String> args) throws Exception {
		List<String> cmd = new java.util.ArrayList<>(List.of("sh", script.toString()));
		cmd.addAll(args);
		ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
		pb.environment().put("PATH", dir + ":/usr/bin:/bin");
		Process p = pb.start();
		String out = new String(p.getInputStream().readAllBytes());
		p.waitFor();
		return out;
	}

	@Test
	void shellMetacharactersInAValueStayInsideTheirOneArgument() {
		String hostile = "a;touch /tmp/pwned;$(id) `id` | rm -rf / && echo \"x\" 'y' \n{tun} $HOME > /etc/passwd";
		List<String> argv = ArgsTemplate.parse("--id={client} {client} -i {tun}").expand(values(hostile));
		assertThat(argv).containsExactly("--id=" + hostile, hostile, "-i", "mgt0");
	}

	@Test
	void aValueIsNeverExpandedAgain() {
		List<String> argv = ArgsTemplate.parse("{client}").expand(values("{session}{dir}$1\\0"));
		assertThat(argv).containsExactly("{session}{dir}$1\\0");
	}

	@Test
	void placeholdersCombineWithinAnArgumentAndBlanksSeparateArguments() {
		List<String> argv = ArgsTemplate.parse("  {dir}/{session}-{address}.pcap\t {endpoint}  ").expand(values("c"));
		assertThat(argv).containsExactly("/var/capture/7-10.77.0.2.pcap", "172.31.2.2:40000");
	}

	@Test
	void anEmptyTemplateGivesNoArguments() {
		assertThat(ArgsTemplate.parse("  ").expand(values("c"))).isEmpty();
		assertThat(ArgsTemplate.parse(null).expand(values("c"))).isEmpty();
	}

	@Test
	void anUnknownPlaceholderIsRejectedWithTheKnownOnes() {
		assertThatThrownBy(() -> ArgsTemplate.parse("{tun} {secret}")).isInstanceOf(ConfigValueException.class)
				.hasMessageContaining("mobilegt.capture: args=")
				.hasMessageContaining("unknown placeholder {secret}")
				.hasMessageContaining("address, address6, client, dir, endpoint, files, maxBytes, session, time, tun");
	}

	@Test
	void bracesThatAreNoPlaceholderStayAsTheyAre() {
		assertThat(ArgsTemplate.parse("{} {1} a{b").expand(values("c"))).containsExactly("{}", "{1}", "a{b");
	}

	@Test
	void knowsWhichPlaceholdersItUses() {
		ArgsTemplate t = ArgsTemplate.parse("{address} x{dir}y");
		assertThat(t.uses("dir")).isTrue();
		assertThat(t.uses("tun")).isFalse();
	}
}

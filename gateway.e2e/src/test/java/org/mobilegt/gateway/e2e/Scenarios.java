package org.mobilegt.gateway.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the tunnel scenario tests share: the key, time limits, the gateway they start, ping. */
final class Scenarios {

	static final String KEY = "e2e-shared-key";
	/** JVM start, framework, TUN device and socket: a few seconds, far more on a loaded CI box. */
	static final Duration START = Duration.ofSeconds(60);
	/** How long a test waits for a reply that must come. */
	static final Duration REPLY = Duration.ofSeconds(5);
	/** How long a test listens to be sure that nothing comes (the gateway answers in milliseconds). */
	static final Duration SILENCE = Duration.ofSeconds(2);
	/** An address the client subnet contains but nobody leases (the pool hands out .2, .3, ... first). */
	static final String UNLEASED = "10.77.200.200";
	/** The UDP echo port on the inet host. */
	static final int ECHO_PORT = 7007;

	private Scenarios() {
	}

	/** A gateway (not started) for {@code t} that accepts {@link #KEY}, with the Gogo shell for {@link VpnShell}. */
	static Gateway gateway(Topology t, String testName) {
		return Gateway.in(t, testName).conf("mobilegt.auth", Map.of("key", KEY)).interactive();
	}

	/** {@code ping -c count} from {@code ns}, through TUN {@code device} (null: routing decides). */
	static Exec.Result ping(String ns, String device, String address, int count) {
		List<String> cmd = new ArrayList<>(List.of("ping", "-n", "-c", Integer.toString(count), "-i", "0.2", "-W", "2"));
		if (device != null) {
			cmd.addAll(List.of("-I", device));
		}
		cmd.add(address);
		return Netns.exec(ns, Duration.ofSeconds(count + 15L), cmd.toArray(String[]::new));
	}

	/** The line ping prints when every request got its reply. */
	static String allReplied(int count) {
		return count + " packets transmitted, " + count + " received";
	}

	/**
	 * The next data datagram {@code client} receives within {@code within}, described for a failure
	 * message: {@code assertThat(received(c, SILENCE)).as("...").isEmpty()}.
	 */
	static Optional<String> received(ToyVpnClient client, Duration within) {
		return client.poll(within).map(datagram -> {
			try {
				return Ipv4Packet.parse(datagram).toString();
			} catch (IllegalArgumentException e) {
				return datagram.length + " bytes, " + e.getMessage();
			}
		});
	}

	/** The log lines of the gateway's current run from {@code mark} on that contain {@code text}. */
	static List<String> logLines(Gateway gw, int mark, String text) {
		List<String> lines = gw.log();
		return lines.subList(Math.min(mark, lines.size()), lines.size()).stream().filter(l -> l.contains(text)).toList();
	}
}

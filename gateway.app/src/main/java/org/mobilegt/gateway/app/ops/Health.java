package org.mobilegt.gateway.app.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The gateway's health for monitoring and a watchdog: healthy when the TUN device is up, the UDP
 * socket serves, a shared key is configured and IPv4 forwarding is on (without it, clients connect
 * but reach nothing).
 */
public record Health(boolean healthy, Map<String, Check> checks) {

	public record Check(boolean ok, String status) {
	}

	/** The tunnel serves: its UDP socket, TUN device, key check and sessions are all there. */
	public boolean serving() {
		Check socket = checks.get("socket");
		return socket != null && socket.ok();
	}

	/**
	 * A check failing that a restart may mend: the TUN device, the socket, forwarding (the unit's
	 * ExecStartPre sets it again). A missing key is the operator's to fix: restarting the service
	 * over and over would only add noise to the journal.
	 */
	public boolean restartMayMend() {
		return checks.entrySet().stream().anyMatch(c -> !c.getValue().ok() && !c.getKey().equals(KEY));
	}

	static final String KEY = "key";
	static final Path IP_FORWARD = Path.of("/proc/sys/net/ipv4/ip_forward");

	public static Health of(Operations.Status status, Check forwarding) {
		Map<String, Check> checks = new LinkedHashMap<>();
		checks.put("tun", new Check(status.tunUp(), status.tun()));
		checks.put("socket", new Check(status.serving(), status.socket()));
		checks.put(KEY, new Check(status.keyConfigured(), status.auth()));
		checks.put("forwarding", forwarding);
		return new Health(checks.values().stream().allMatch(Check::ok), checks);
	}

	/** IPv4 forwarding as the kernel (of this network namespace) has it now. */
	public static Check forwarding(Path ipForward) {
		try {
			boolean on = Files.readString(ipForward).trim().equals("1");
			return new Check(on, on ? "net.ipv4.ip_forward=1" : "net.ipv4.ip_forward=0: clients reach nothing");
		} catch (IOException e) {
			return new Check(false, "cannot read " + ipForward + ": " + e.getMessage());
		}
	}
}

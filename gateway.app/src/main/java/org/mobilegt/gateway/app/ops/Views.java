package org.mobilegt.gateway.app.ops;

import java.time.Instant;
import java.util.Locale;

import org.mobilegt.gateway.common.ClientIds;
import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.security.api.IllegalAttempt;
import org.mobilegt.gateway.session.api.Lease;
import org.mobilegt.gateway.session.api.Session;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

/**
 * What operators see of sessions, leases and attempts: plain records shared by the Gogo commands,
 * the console page and the JSON output, and the formatting of sizes and durations.
 */
public final class Views {

	private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

	private Views() {
	}

	/** {@code clientId} is the id as sent (null: anonymous), {@code client} its printable form ({@link ClientIds});
	 * {@code address6} the IPv6 tunnel address, null when the session has none. */
	public record SessionView(long id, String clientId, String client, String endpoint, String address, String address6,
			String since, long idleSeconds, long rxPackets, long rxBytes, long txPackets, long txBytes, long drops) {
	}

	public record AttemptView(String time, String address, int port, String reason, String detail) {
	}

	/** address6: the IPv6 address of the lease, null when it has none. */
	public record LeaseView(String clientId, String address, String address6, boolean live, String expires) {
	}

	public static SessionView of(Session s, long nowMillis) {
		return new SessionView(s.id(), s.clientId(), ClientIds.printable(s.clientId()), EndpointKey.format(s.endpoint()),
				IpAddress.formatIpv4(s.tunnelAddress()), text(s.tunnelAddress6()), s.since().toString(),
				Math.max(0, (nowMillis - s.lastReceivedMillis()) / 1000), s.rxPackets(), s.rxBytes(),
				s.txPackets(), s.txBytes(), s.drops());
	}

	public static AttemptView of(IllegalAttempt a) {
		return new AttemptView(a.time().toString(), IpAddress.of(a.address()).toString(), a.port(), a.reason().name(), a.detail());
	}

	public static LeaseView of(Lease l) {
		return new LeaseView(l.clientId(), IpAddress.formatIpv4(l.address()), text(l.address6()), l.live(),
				l.expires() == null ? null : l.expires().toString());
	}

	private static String text(IpAddress a) {
		return a == null ? null : a.toString();
	}

	public static String json(Object o) {
		return GSON.toJson(o);
	}

	/** 1536 → "1.5 KiB". */
	public static String bytes(long n) {
		if (n < 1024) {
			return n + " B";
		}
		String[] units = { "KiB", "MiB", "GiB", "TiB", "PiB" };
		double v = n;
		int u = -1;
		while (v >= 1024 && u < units.length - 1) {
			v /= 1024;
			u++;
		}
		return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
	}

	/** 3723 → "1h02m03s". */
	public static String duration(long seconds) {
		long h = seconds / 3600;
		long m = seconds / 60 % 60;
		long s = seconds % 60;
		return h > 0 ? String.format(Locale.ROOT, "%dh%02dm%02ds", h, m, s)
				: m > 0 ? String.format(Locale.ROOT, "%dm%02ds", m, s) : s + "s";
	}

	/** 1.2e6 → "1.2 M". */
	public static String si(double v) {
		String[] units = { "", " k", " M", " G", " T" };
		int u = 0;
		while (Math.abs(v) >= 1000 && u < units.length - 1) {
			v /= 1000;
			u++;
		}
		return String.format(Locale.ROOT, u == 0 && Math.abs(v) >= 10 ? "%.0f%s" : "%.1f%s", v, units[u]);
	}

	public static long secondsSince(Instant t, long nowMillis) {
		return Math.max(0, (nowMillis - t.toEpochMilli()) / 1000);
	}

	/** Other text from outside (an operator's argument, an attempt's detail) the way client ids are shown; null is "-". */
	public static String printable(String s) {
		return s == null ? "-" : ClientIds.escape(s);
	}
}

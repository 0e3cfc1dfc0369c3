package org.mobilegt.gateway.e2e;

import java.util.List;
import java.util.Map;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.reflect.TypeToken;

/**
 * The operator's {@code vpn:* --json} Gogo commands as typed records (the fields tests look at),
 * for a gateway started with {@link Gateway#interactive()}.
 */
final class VpnShell {

	private static final Gson GSON = new Gson();

	/** One row of {@code vpn:clients --json}. */
	record Client(long id, String clientId, String endpoint, String address, String since, long idleSeconds, long rxPackets,
			long rxBytes, long txPackets, long txBytes, long drops) {
	}

	/** {@code vpn:stats --json}: totals, drops and rejections by reason. */
	record Stats(Totals totals, Map<String, Long> drops, Map<String, Long> rejections) {

		long drops(String reason) {
			return drops == null ? 0 : drops.getOrDefault(reason, 0L);
		}
	}

	record Totals(long rxPackets, long rxBytes, long txPackets, long txBytes, long handshakesOk, long handshakesFailed,
			long keepalivesIn, long keepalivesOut, long hints, int sessions) {
	}

	/** One row of {@code vpn:illegal --json}, newest first. */
	record Attempt(String address, int port, String time, String reason, String detail) {
	}

	/** {@code vpn:pool --json}. */
	record Pool(String subnet, int size, int used, int reserved, int free, List<Lease> leases) {
	}

	record Lease(String clientId, String address, boolean live, String expires) {
	}

	private VpnShell() {
	}

	static List<Client> clients(Gateway gw) {
		return parse(gw.gogoJson("vpn:clients --json"), new TypeToken<List<Client>>() {
		});
	}

	static Stats stats(Gateway gw) {
		return parse(gw.gogoJson("vpn:stats --json"), new TypeToken<Stats>() {
		});
	}

	/** The newest {@code n} illegal attempts. */
	static List<Attempt> illegal(Gateway gw, int n) {
		return parse(gw.gogoJson("vpn:illegal --json " + n), new TypeToken<List<Attempt>>() {
		});
	}

	static Pool pool(Gateway gw) {
		return parse(gw.gogoJson("vpn:pool --json"), new TypeToken<Pool>() {
		});
	}

	private static <T> T parse(JsonElement json, TypeToken<T> type) {
		return GSON.fromJson(json, type);
	}
}

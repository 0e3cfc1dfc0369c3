package org.mobilegt.gateway.app.connlog;

import static org.mobilegt.gateway.session.api.SessionManager.*;

import java.time.Instant;
import java.util.function.Function;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;

/** The JSON line of a session event: open, roam or close (expiry is a close with reason EXPIRED). */
final class ConnectionLine {

	private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

	private ConnectionLine() {
	}

	/** The event name of a session topic, or null for a topic the log does not record. */
	static String event(String topic) {
		return switch (topic) {
		case TOPIC_OPENED -> "open";
		case TOPIC_ROAMED -> "roam";
		case TOPIC_CLOSED, TOPIC_EXPIRED -> "close";
		default -> null;
		};
	}

	/** @param property an event's properties by name */
	static String of(String event, Function<String, Object> property, long nowMillis) {
		JsonObject o = new JsonObject();
		o.addProperty("time", Instant.ofEpochMilli(nowMillis).toString());
		o.addProperty("event", event);
		o.addProperty("session", (Number) property.apply(PROP_SESSION_ID));
		o.addProperty("client", (String) property.apply(PROP_CLIENT_ID));
		o.addProperty("endpoint", (String) property.apply(PROP_ENDPOINT));
		if (property.apply(PROP_PREVIOUS_ENDPOINT) instanceof String previous) {
			o.addProperty("previous_endpoint", previous);
		}
		o.addProperty("address", (String) property.apply(PROP_TUNNEL_ADDRESS));
		if (property.apply(PROP_TUNNEL_ADDRESS6) instanceof String address6) {
			o.addProperty("address6", address6);
		}
		if (property.apply(PROP_START) instanceof Long start) {
			o.addProperty("start", Instant.ofEpochMilli(start).toString());
			if (!event.equals("open")) {
				o.addProperty("duration_s", Math.max(0, nowMillis - start) / 1000.0);
			}
		}
		if (property.apply(PROP_REASON) instanceof String reason) {
			o.addProperty("reason", reason);
			o.addProperty("bytes_from_client", (Number) property.apply(PROP_RX_BYTES));
			o.addProperty("packets_from_client", (Number) property.apply(PROP_RX_PACKETS));
			o.addProperty("bytes_to_client", (Number) property.apply(PROP_TX_BYTES));
			o.addProperty("packets_to_client", (Number) property.apply(PROP_TX_PACKETS));
		}
		return GSON.toJson(o);
	}

	/** The line that says how many open/roam lines a flood cost. */
	static String suppressed(long count, long nowMillis) {
		JsonObject o = new JsonObject();
		o.addProperty("time", Instant.ofEpochMilli(nowMillis).toString());
		o.addProperty("event", "suppressed");
		o.addProperty("count", count);
		return GSON.toJson(o);
	}
}

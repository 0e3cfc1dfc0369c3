package org.mobilegt.gateway.app.ops;

import java.util.List;

import org.mobilegt.gateway.auth.api.ClientKeys;
import org.mobilegt.gateway.common.ClientIds;
import org.mobilegt.gateway.session.api.CloseReason;
import org.mobilegt.gateway.session.api.Session;
import org.mobilegt.gateway.session.api.SessionManager;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * Per-client keys for the operator (Gogo {@code vpn:keys} and the VPN page): add, rotate, remove,
 * list. Removing or rotating a key also ends the client's session at once, so a revoked phone
 * cannot keep using a session opened with its old key.
 */
@Component(service = KeyOperations.class)
public final class KeyOperations {

	/** The outcome: whether it worked, the operator's message, and the new key (add and rotate only). */
	public record Outcome(boolean ok, String message, String key) {
	}

	private final Logger log;

	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	private volatile ClientKeys keys;
	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	private volatile SessionManager sessions;

	@Activate
	public KeyOperations(@Reference(service = LoggerFactory.class) Logger log) {
		this.log = log;
	}

	/** A client with its own key, for JSON and tables: the creation time as ISO-8601 text. */
	public record KeyView(String clientId, String created) {
	}

	public List<KeyView> list() {
		ClientKeys k = keys;
		return k == null ? List.of() : k.list().stream().map(e -> new KeyView(e.clientId(), e.created().toString())).toList();
	}

	/** {@code add}, {@code rotate} or {@code remove} the key of {@code clientId}. */
	public Outcome apply(String action, String clientId) {
		ClientKeys k = keys;
		if (k == null) {
			return new Outcome(false, "auth.keycheck not available", null);
		}
		String who = ClientIds.printable(clientId);
		try {
			switch (action) {
			case "add":
				return new Outcome(true, "client " + who + " added; its key is shown only now", k.add(clientId));
			case "rotate": {
				String key = k.rotate(clientId);
				return new Outcome(true, "key of client " + who + " rotated" + endSession(clientId) + "; the new key is shown only now", key);
			}
			case "remove":
				return k.remove(clientId) ? new Outcome(true, "key of client " + who + " removed" + endSession(clientId), null)
						: new Outcome(false, "client " + who + " has no key of its own", null);
			default:
				return new Outcome(false, "unknown action " + Views.printable(action) + ": add, rotate or remove", null);
			}
		} catch (IllegalArgumentException | IllegalStateException e) {
			return new Outcome(false, e.getMessage(), null);
		}
	}

	/** Closes the client's live session, if any; a note for the operator's message. */
	private String endSession(String clientId) {
		SessionManager sm = sessions;
		if (sm == null) {
			return "";
		}
		for (Session s : sm.sessions()) {
			if (clientId.equals(s.clientId())) {
				sm.close(s, CloseReason.REVOKED);
				log.info("Session {} of client {} closed: its key was revoked", s.id(), ClientIds.printable(clientId));
				return ", its session " + s.id() + " closed";
			}
		}
		return "";
	}
}

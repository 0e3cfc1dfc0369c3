package org.mobilegt.gateway.app.ops;

import java.util.List;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.mobilegt.gateway.common.ClientIds;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** Gogo {@code vpn:keys}: per-client keys. A key is printed once, at add or rotate. */
@Component(service = KeyCommands.class)
@GogoCommand(scope = "vpn", function = { "keys" })
public final class KeyCommands {

	private final KeyOperations keys;

	@Activate
	public KeyCommands(@Reference KeyOperations keys) {
		this.keys = keys;
	}

	@Descriptor("list the client ids that have their own key")
	public String keys(@Descriptor("output JSON (one line) for scripts") @Parameter(names = { "-j", "--json" }, presentValue = "true", absentValue = "false") boolean json) {
		List<KeyOperations.KeyView> list = keys.list();
		if (json) {
			return Views.json(list);
		}
		Table t = new Table("CLIENT", "KEY CREATED");
		list.forEach(e -> t.row(ClientIds.printable(e.clientId()), e.created()));
		return t.toString() + list.size() + " client(s) with their own key";
	}

	@Descriptor("list: the client ids with their own key")
	public String keys(@Descriptor("output JSON (one line) for scripts") @Parameter(names = { "-j", "--json" }, presentValue = "true", absentValue = "false") boolean json,
			@Descriptor("list") String action) {
		return action.equals("list") ? keys(json) : "usage: vpn:keys list | vpn:keys add|rotate|remove <client id>";
	}

	@Descriptor("add, rotate or remove a client's own key; add and rotate print the new key once; rotate and remove end the client's session")
	public String keys(@Descriptor("output JSON (one line) for scripts") @Parameter(names = { "-j", "--json" }, presentValue = "true", absentValue = "false") boolean json,
			@Descriptor("add, rotate or remove") String action, @Descriptor("client id") String clientId) {
		KeyOperations.Outcome o = keys.apply(action, clientId);
		if (json) {
			return Views.json(o);
		}
		if (!o.ok()) {
			return "refused: " + o.message();
		}
		return o.key() == null ? o.message() : o.message() + "\nkey: " + o.key() + "\nthe client sends: <key>:" + clientId;
	}
}

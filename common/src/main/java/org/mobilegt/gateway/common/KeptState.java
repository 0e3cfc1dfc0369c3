package org.mobilegt.gateway.common;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * What a bundle keeps across its own updates and restarts, the one way every bundle does it: a
 * JSON object in the bundle's data area, written whole and owner-only ({@link PrivateFiles#write}), stamped with the framework run that wrote it ({@code org.osgi.framework.uuid}) and when.
 * <p>
 * The rule for reading it back is the same everywhere: what only makes sense in the same process
 * (live sessions, counters, open TUN queues) is taken only when {@link Loaded#sameRun()}; what a
 * restart keeps (leases) is taken either way. The stamp sits beside the state's own fields, so
 * files written before this class, which had the same two fields, read unchanged.
 *
 * @param <T> the state, a record gson can map
 */
public final class KeptState<T> {

	private static final String FRAMEWORK = "framework";
	private static final String SAVED_AT = "savedAt";

	/** A state read back; {@code sameRun}: written in this framework run (a bundle update, not a restart). */
	public record Loaded<T>(T state, boolean sameRun, long savedAt) {
	}

	private final Path file;
	private final Class<T> type;
	private final String framework;
	private final Gson gson = new Gson();

	/** @param framework this run's {@code org.osgi.framework.uuid} */
	public KeptState(Path file, Class<T> type, String framework) {
		this.file = file;
		this.type = type;
		this.framework = framework;
	}

	public Path path() {
		return file;
	}

	/** The state saved last, if any; an unreadable file is an IOException that names it. */
	public Optional<Loaded<T>> load() throws IOException {
		if (!Files.exists(file)) {
			return Optional.empty();
		}
		try {
			JsonElement json = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
			if (!json.isJsonObject()) {
				throw new JsonParseException("not a JSON object");
			}
			JsonObject o = json.getAsJsonObject();
			String writer = o.has(FRAMEWORK) && !o.get(FRAMEWORK).isJsonNull() ? o.get(FRAMEWORK).getAsString() : null;
			long savedAt = o.has(SAVED_AT) ? o.get(SAVED_AT).getAsLong() : 0;
			return Optional.of(new Loaded<>(gson.fromJson(o, type), Objects.equals(writer, framework), savedAt));
		} catch (JsonParseException | IllegalStateException | UnsupportedOperationException | NumberFormatException e) {
			throw new IOException(file + " is not valid: " + e.getMessage(), e);
		}
	}

	/** Replaces the file with {@code state}, stamped with this run and the time. */
	public void save(T state) throws IOException {
		// the stamp goes in front of the state's own members as text: no tree of a large state is built
		String members = gson.toJson(state).substring(1);
		String stamp = "{" + gson.toJson(FRAMEWORK) + ":" + gson.toJson(framework) + "," + gson.toJson(SAVED_AT) + ":"
				+ System.currentTimeMillis() + (members.equals("}") ? "" : ",");
		PrivateFiles.write(file, (stamp + members).getBytes(StandardCharsets.UTF_8));
	}

	/** Removes the file: what it held has been taken (state that must not be taken twice). */
	public void delete() throws IOException {
		Files.deleteIfExists(file);
	}
}

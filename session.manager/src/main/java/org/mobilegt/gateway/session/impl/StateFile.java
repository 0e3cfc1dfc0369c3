package org.mobilegt.gateway.session.impl;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;

/** Reads and atomically writes the saved session state (write, fsync, rename). */
final class StateFile {

	private final Path file;
	private final Gson gson = new Gson();

	StateFile(Path file) {
		this.file = file;
	}

	Path path() {
		return file;
	}

	Optional<SavedState> read() throws IOException {
		if (!Files.exists(file)) {
			return Optional.empty();
		}
		try {
			return Optional.ofNullable(gson.fromJson(Files.readString(file, StandardCharsets.UTF_8), SavedState.class));
		} catch (JsonParseException e) {
			throw new IOException(file + " is not valid: " + e.getMessage(), e);
		}
	}

	void write(SavedState state) throws IOException {
		Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
		Files.writeString(tmp, gson.toJson(state), StandardCharsets.UTF_8);
		try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
			ch.force(true);
		}
		try {
			Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		} catch (AtomicMoveNotSupportedException e) {
			Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
		}
	}
}

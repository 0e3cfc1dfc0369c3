package org.mobilegt.gateway.auth.api;

import java.time.Instant;
import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Per-client keys: each client id with its own random key, kept only as a salted hash in the
 * {@code clients} file of the configuration directory. A client id that has a key is admitted only
 * with that key (the shared key no longer works for it), so nobody else can take over its session
 * or lease. A key is returned once, by {@link #add} or {@link #rotate}, and cannot be read back.
 */
@ProviderType
public interface ClientKeys {

	/** EventAdmin topic when a client's key is removed or rotated; property {@code client.id}, {@code action}. */
	String TOPIC_REVOKED = "org/mobilegt/gateway/auth/KEY_REVOKED";

	/** A client id with a key, and when that key was made. */
	record Entry(String clientId, Instant created) {
	}

	/**
	 * Gives {@code clientId} a new random key and returns it (the only time it is shown).
	 *
	 * @throws IllegalArgumentException when the id is not 1-64 printable ASCII bytes or has a key already
	 * @throws IllegalStateException when the clients file cannot be written (nothing changed)
	 */
	String add(String clientId);

	/**
	 * Replaces the key of {@code clientId} with a new random one and returns it; the old key stops
	 * working at once.
	 *
	 * @throws IllegalArgumentException when the id has no key
	 * @throws IllegalStateException when the clients file cannot be written (nothing changed)
	 */
	String rotate(String clientId);

	/**
	 * Removes the key of {@code clientId}; it stops working at once.
	 *
	 * @return false when the id had no key
	 * @throws IllegalStateException when the clients file cannot be written (nothing changed)
	 */
	boolean remove(String clientId);

	/** The client ids with a key, sorted. */
	List<Entry> list();
}

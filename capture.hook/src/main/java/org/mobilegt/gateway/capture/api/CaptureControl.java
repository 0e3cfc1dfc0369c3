package org.mobilegt.gateway.capture.api;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/** Starts and stops captures of client sessions and lists the running ones. */
@ProviderType
public interface CaptureControl {

	/**
	 * Starts capturing a client's traffic.
	 *
	 * @param client client id, tunnel address or session id
	 * @throws CaptureException when the client is unknown, the limit is reached or the capture cannot start
	 */
	Capture start(String client) throws CaptureException;

	/** Stops the client's capture; false when none ran. */
	boolean stop(String client);

	/** Running captures. */
	List<Capture> captures();

	/** One line: mode, script, output directory, and the last error if any. */
	String status();
}

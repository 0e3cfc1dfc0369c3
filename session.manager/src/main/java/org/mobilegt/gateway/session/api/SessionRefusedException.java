package org.mobilegt.gateway.session.api;

/**
 * A session could not be opened: the pool is exhausted, the client limit is reached, or the
 * client's source address already has its share of sessions or new leases ({@link #perSource()}).
 */
public class SessionRefusedException extends Exception {
	private static final long serialVersionUID = 1L;

	private final boolean perSource;

	public SessionRefusedException(String message) {
		this(message, false);
	}

	public SessionRefusedException(String message, boolean perSource) {
		super(message);
		this.perSource = perSource;
	}

	/** True when a limit per source address refused it, not the pool or the client limit. */
	public boolean perSource() {
		return perSource;
	}
}

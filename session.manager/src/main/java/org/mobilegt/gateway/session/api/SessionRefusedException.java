package org.mobilegt.gateway.session.api;

/** A session could not be opened: the pool is exhausted or the client limit is reached. */
public class SessionRefusedException extends Exception {
	private static final long serialVersionUID = 1L;

	public SessionRefusedException(String message) {
		super(message);
	}
}

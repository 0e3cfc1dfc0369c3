package org.mobilegt.gateway.capture.api;

/** A capture could not be started; the message says why. */
public class CaptureException extends Exception {
	private static final long serialVersionUID = 1L;

	public CaptureException(String message) {
		super(message);
	}
}

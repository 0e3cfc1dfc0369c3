package org.mobilegt.gateway.app.console;

/** Checks an HTTP Authorization header against the console's credentials. */
public interface Credentials {

	/** True when {@code authorization} is Basic with the configured user and password. */
	boolean check(String authorization);
}

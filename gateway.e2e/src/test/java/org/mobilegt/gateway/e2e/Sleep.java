package org.mobilegt.gateway.e2e;

/** The tests' pause between polls: an interrupt is kept and ends the test. */
final class Sleep {

	private Sleep() {
	}

	static void millis(long millis) {
		try {
			Thread.sleep(millis);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted", e);
		}
	}
}

package org.mobilegt.gateway.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * systemd's side of sd_notify(3) for a test: a Unix datagram socket bound at a path by a python3
 * child in a namespace, open to any uid (as /run/systemd/notify is); every message it receives
 * becomes one output line, its newlines shown as '|'.
 */
final class NotifySocket implements AutoCloseable {

	private static final String SCRIPT = String.join("\n", "import os, socket, sys",
			"s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)", "s.bind(sys.argv[1])", "os.chmod(sys.argv[1], 0o666)",
			"print('bound', flush=True)", "while True:", "    print('msg ' + s.recv(4096).decode().replace('\\n', '|'), flush=True)");

	private final Background receiver;
	private final Path path;

	private NotifySocket(Background receiver, Path path) {
		this.receiver = receiver;
		this.path = path;
	}

	static NotifySocket bind(String ns, Path path) {
		NotifySocket s = new NotifySocket(Netns.start(ns, "python3", "-c", SCRIPT, path.toString()), path);
		s.receiver.awaitOutput("bound", Duration.ofSeconds(10));
		return s;
	}

	Path path() {
		return path;
	}

	/** The messages received so far, in order. */
	List<String> messages() {
		return receiver.output().lines().filter(l -> l.startsWith("msg ")).map(l -> l.substring(4)).toList();
	}

	/** Waits until {@code count} messages equal to {@code message} have arrived. */
	void await(String message, int count, Duration timeout) throws InterruptedException {
		int from = 0;
		for (int i = 0; i < count; i++) {
			from = await(message::equals, from, timeout) + 1;
		}
	}

	/** Waits for a message matching {@code match} at or after index {@code from}; its index. */
	int await(Predicate<String> match, int from, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			List<String> messages = messages();
			for (int i = from; i < messages.size(); i++) {
				if (match.test(messages.get(i))) {
					return i;
				}
			}
			if (System.nanoTime() > deadline) {
				throw new AssertionError("no matching message from #" + from + " within " + timeout + "; got " + messages);
			}
			Thread.sleep(50);
		}
	}

	@Override
	public void close() {
		receiver.close();
	}
}

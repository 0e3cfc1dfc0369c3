package org.mobilegt.gateway.app.control;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.mobilegt.gateway.app.ops.Failure;
import org.mobilegt.gateway.common.Daemons;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The gateway's control socket, for the {@code mobilegt} CLI: a Unix domain socket
 * ({@code control.sock} in the working directory, {@code -Dmobilegt.control=PATH}) that runs one
 * Gogo command line per connection in a fresh session and answers {@code "<status> <length>\n"}
 * and the output (UTF-8); status 0 is success, 1 a failure (the command threw, or a vpn: command
 * said it failed). Only the socket's mode guards it (see {@link SocketFile}): whoever can connect
 * can run any Gogo command, as with the shell.
 */
@Component(immediate = true)
public final class ControlSocket {

	static final String PROPERTY = "mobilegt.control";
	static final String DEFAULT_PATH = "control.sock";
	private static final int MAX_LINE = 64 * 1024;
	private static final int MAX_OUTPUT = 16 * 1024 * 1024;
	/** Commands at once; more connections get a "busy" failure rather than a queue. */
	private static final int WORKERS = 4;
	/** A client that does not send its line in this time is dropped: it cannot hold a worker. */
	private static final long LINE_TIMEOUT_SECONDS = 10;

	private final CommandProcessor processor;
	private final Logger log;
	private final Path path;
	private final ServerSocketChannel server;
	private final ExecutorService workers = new ThreadPoolExecutor(0, WORKERS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
			Daemons.named("mobilegt-control"));
	private final Thread acceptor;
	private final ScheduledExecutorService timeouts = Daemons.scheduler("mobilegt-control-timeout");

	@Activate
	public ControlSocket(BundleContext context, @Reference CommandProcessor processor,
			@Reference(service = LoggerFactory.class) Logger log) throws IOException {
		this.processor = processor;
		this.log = log;
		String configured = context.getProperty(PROPERTY);
		this.path = Path.of(configured == null || configured.isBlank() ? DEFAULT_PATH : configured).toAbsolutePath();
		try {
			this.server = SocketFile.bind(path);
		} catch (IOException e) {
			log.error("Control socket {} not available: {}", path, e.toString());
			throw e;
		}
		this.acceptor = Daemons.start(this::accept, "mobilegt-control-accept");
		log.info("Control socket {} ({}): mobilegt --socket {} vpn:status", path, access(path), path);
	}

	/** "rw-------, group root": who can connect, as the file system says. */
	private static String access(Path path) {
		try {
			return PosixFilePermissions.toString(Files.getPosixFilePermissions(path)) + ", group "
					+ Files.getFileAttributeView(path, PosixFileAttributeView.class).readAttributes().group().getName();
		} catch (IOException e) {
			return "mode unknown: " + e.getMessage();
		}
	}

	@Deactivate
	void deactivate() throws IOException {
		server.close();
		workers.shutdownNow();
		timeouts.shutdownNow();
		Files.deleteIfExists(path);
	}

	private void accept() {
		while (server.isOpen()) {
			try {
				SocketChannel client = server.accept();
				try {
					workers.execute(() -> serve(client));
				} catch (RejectedExecutionException e) {
					reply(client, 1, "busy: " + WORKERS + " commands are running; try again\n");
				}
			} catch (ClosedChannelException e) {
				return;
			} catch (IOException e) {
				log.warn("Control socket: {}", e.toString());
			}
		}
	}

	private void serve(SocketChannel client) {
		String line;
		ScheduledFuture<?> timeout = timeouts.schedule(() -> close(client), LINE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
		try {
			line = readLine(Channels.newInputStream(client));
		} catch (IOException e) {
			reply(client, 1, e.getMessage() + "\n");
			return;
		} finally {
			timeout.cancel(false);
		}
		ByteArrayOutputStream buffer = new ByteArrayOutputStream();
		PrintStream out = new PrintStream(new Bounded(buffer), true, StandardCharsets.UTF_8);
		int status = 0;
		try (CommandSession session = processor.createSession(InputStream.nullInputStream(), out, out)) {
			Object result = session.execute(line);
			if (result != null) {
				out.println(session.format(result, Converter.INSPECT));
			}
			status = Boolean.TRUE.equals(session.get(Failure.VARIABLE)) ? 1 : 0;
		} catch (Exception e) {
			status = 1;
			String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
			out.println(json(line) ? Failure.json(message) : "Error: " + message);
		}
		out.flush();
		reply(client, status, buffer.toString(StandardCharsets.UTF_8));
	}

	/** The line asks for JSON: a failure outside the command gets the same {@code {"error": ...}} shape. */
	static boolean json(String line) {
		return Arrays.stream(line.strip().split("\\s+")).anyMatch(t -> t.equals("--json") || t.equals("-j"));
	}

	/** One line, at most {@value #MAX_LINE} bytes, ended by a newline or by the end of input. */
	static String readLine(InputStream in) throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		int b;
		while ((b = in.read()) >= 0 && b != '\n') {
			if (line.size() >= MAX_LINE) {
				throw new IOException("command line longer than " + MAX_LINE + " bytes");
			}
			line.write(b);
		}
		return line.toString(StandardCharsets.UTF_8).strip();
	}

	private static void close(SocketChannel client) {
		try {
			client.close(); // the blocked read ends with AsynchronousCloseException
		} catch (IOException e) {
			// closed already
		}
	}

	private static void reply(SocketChannel client, int status, String output) {
		try (client) {
			byte[] body = output.getBytes(StandardCharsets.UTF_8);
			byte[] header = (status + " " + body.length + "\n").getBytes(StandardCharsets.US_ASCII);
			ByteBuffer buf = ByteBuffer.allocate(header.length + body.length).put(header).put(body).flip();
			while (buf.hasRemaining()) {
				client.write(buf);
			}
		} catch (IOException e) {
			// the client went away: nothing to tell it
		}
	}

	/** Output beyond {@value #MAX_OUTPUT} bytes is dropped: a runaway command cannot exhaust the heap. */
	private static final class Bounded extends java.io.FilterOutputStream {
		private final ByteArrayOutputStream target;

		Bounded(ByteArrayOutputStream target) {
			super(target);
			this.target = target;
		}

		@Override
		public void write(int b) {
			if (target.size() < MAX_OUTPUT) {
				target.write(b);
			}
		}

		@Override
		public void write(byte[] b, int off, int len) {
			target.write(b, off, Math.max(0, Math.min(len, MAX_OUTPUT - target.size())));
		}
	}
}

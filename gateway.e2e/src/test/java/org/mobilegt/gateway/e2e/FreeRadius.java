package org.mobilegt.gateway.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A real FreeRADIUS (Debian {@code freeradius}) run by a test inside one of its namespaces, from a
 * raddb generated here: one client (any address, with Message-Authenticator required), the
 * {@code files} module with the test's users, PAP, and the {@code detail} module writing every
 * accounting record. Never the host's own service or configuration.
 */
final class FreeRadius implements AutoCloseable {

	static final String SECRET = "e2e-radius-secret";
	private static final Duration START = Duration.ofSeconds(20);

	private final Path dir;
	private final int port;
	private final Background process;

	private FreeRadius(Path dir, int port, Background process) {
		this.dir = dir;
		this.port = port;
		this.process = process;
	}

	/**
	 * Starts FreeRADIUS in {@code ns} on {@code port} (accounting on port+1) with {@code users} in
	 * the users-file syntax, working in {@code dir}.
	 */
	static FreeRadius start(String ns, Path dir, int port, String users) {
		try {
			Files.createDirectories(dir.resolve("log"));
			Files.createDirectories(dir.resolve("run"));
			Files.createDirectories(dir.resolve("radacct"));
			Files.writeString(dir.resolve("radiusd.conf"), config(dir, port));
			Files.writeString(dir.resolve("users"), users);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		Background b = Netns.start(ns, dir.resolve("radiusd.out"), "freeradius", "-f", "-l", "stdout", "-d", dir.toString());
		b.awaitOutput("Ready to process requests", START);
		return new FreeRadius(dir, port, b);
	}

	int port() {
		return port;
	}

	String output() {
		return process.output();
	}

	/** The accounting records of the detail file, in order, each attribute name to its value (quotes removed). */
	List<Map<String, String>> accounting() {
		Path file = dir.resolve("radacct/detail");
		List<Map<String, String>> records = new ArrayList<>();
		if (!Files.exists(file)) {
			return records;
		}
		Map<String, String> record = null;
		try {
			for (String line : Files.readAllLines(file)) {
				if (line.isBlank()) {
					record = null;
				} else if (!Character.isWhitespace(line.charAt(0))) {
					record = new LinkedHashMap<>();
					records.add(record);
				} else if (record != null && line.contains(" = ")) {
					String[] kv = line.strip().split(" = ", 2);
					record.put(kv[0], kv[1].replaceAll("^\"|\"$", ""));
				}
			}
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return records;
	}

	@Override
	public void close() {
		process.stop();
	}

	private static String config(Path d, int port) {
		return """
				prefix = /usr
				exec_prefix = /usr
				sysconfdir = /etc
				localstatedir = /var
				sbindir = /usr/sbin
				logdir = DIR/log
				raddbdir = DIR
				radacctdir = DIR/radacct
				name = freeradius
				confdir = ${raddbdir}
				modconfdir = ${confdir}/mods-config
				run_dir = DIR/run
				db_dir = DIR
				libdir = /usr/lib/freeradius
				pidfile = ${run_dir}/radiusd.pid
				max_request_time = 30
				cleanup_delay = 5
				max_requests = 65536
				hostname_lookups = no
				log {
					destination = stdout
					colourise = no
					auth = yes
				}
				security {
					allow_core_dumps = no
					max_attributes = 200
					reject_delay = 0
					status_server = no
				}
				thread pool {
					start_servers = 4
					max_servers = 16
					min_spare_servers = 2
					max_spare_servers = 16
					max_requests_per_server = 0
				}
				client gateway {
					ipaddr = 0.0.0.0/0
					secret = SECRET
					require_message_authenticator = yes
					nas_type = other
				}
				modules {
					files {
						filename = ${confdir}/users
					}
					pap {
						normalise = yes
					}
					detail {
						filename = ${radacctdir}/detail
						permissions = 0600
						header = "%t"
						locking = no
					}
				}
				server default {
					listen {
						type = auth
						ipaddr = *
						port = PORT
					}
					listen {
						type = acct
						ipaddr = *
						port = ACCT
					}
					authorize {
						files
						pap
					}
					authenticate {
						Auth-Type PAP {
							pap
						}
					}
					preacct {
					}
					accounting {
						detail
					}
					post-auth {
					}
				}
				""".replace("DIR", d.toAbsolutePath().toString()).replace("SECRET", SECRET).replace("ACCT", Integer.toString(port + 1))
				.replace("PORT", Integer.toString(port));
	}
}

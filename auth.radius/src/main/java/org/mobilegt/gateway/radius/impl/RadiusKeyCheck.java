package org.mobilegt.gateway.radius.impl;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.aaa4j.radius.client.RadiusClientException;
import org.aaa4j.radius.core.attribute.Attribute;
import org.aaa4j.radius.core.attribute.EnumData;
import org.aaa4j.radius.core.attribute.Ipv4AddrData;
import org.aaa4j.radius.core.attribute.StringData;
import org.aaa4j.radius.core.attribute.TextData;
import org.aaa4j.radius.core.attribute.attributes.CallingStationId;
import org.aaa4j.radius.core.attribute.attributes.FramedIpAddress;
import org.aaa4j.radius.core.attribute.attributes.FramedProtocol;
import org.aaa4j.radius.core.attribute.attributes.IdleTimeout;
import org.aaa4j.radius.core.attribute.attributes.MessageAuthenticator;
import org.aaa4j.radius.core.attribute.attributes.NasIdentifier;
import org.aaa4j.radius.core.attribute.attributes.NasIpAddress;
import org.aaa4j.radius.core.attribute.attributes.ServiceType;
import org.aaa4j.radius.core.attribute.attributes.SessionTimeout;
import org.aaa4j.radius.core.attribute.attributes.UserName;
import org.aaa4j.radius.core.attribute.attributes.UserPassword;
import org.aaa4j.radius.core.packet.Packet;
import org.aaa4j.radius.core.packet.packets.AccessAccept;
import org.aaa4j.radius.core.packet.packets.AccessRequest;
import org.mobilegt.gateway.auth.api.KeyCheck;
import org.mobilegt.gateway.auth.api.Verdict;
import org.mobilegt.gateway.common.Daemons;
import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.net.api.IpEndpoint;
import org.mobilegt.gateway.security.api.Reason;
import org.mobilegt.gateway.security.api.SecurityLog;
import org.osgi.service.log.Logger;

/**
 * {@link KeyCheck} through RADIUS: a handshake {@code key[:id]} becomes an Access-Request (PAP,
 * User-Name the id or the anonymous name, Message-Authenticator), sent by bounded workers so that
 * nothing of the tunnel waits for the round trip. A full queue drops the handshake (counted; the
 * client repeats it). Refusals go to the gateway's security log ({@code attempts}); throttling
 * and bans stay with the gateway's own key check ({@code local}), which also decides when
 * {@code onUnreachable=local}.
 */
final class RadiusKeyCheck implements KeyCheck {

	/** PAP passwords are at most 128 bytes (RFC 2865 5.2); ids at most 64. */
	static final int MAX_PAYLOAD = 128 + 1 + 64;
	private static final int SERVICE_FRAMED = 2;
	private static final int PROTOCOL_PPP = 1;

	private final RadiusSettings settings;
	private final RadiusServers servers;
	private final KeyCheck local;
	/** Where refusals are reported: the gateway's log, which throttles a RADIUS reject like a wrong key. */
	private final SecurityLog attempts;
	private final Granted granted;
	private final Logger log;
	private final ThreadPoolExecutor workers;
	final LongAdder busy = new LongAdder();
	private final Map<InFlight, CompletableFuture<Verdict>> inFlight = new ConcurrentHashMap<>();

	/** A handshake being checked: its source and its bytes. */
	private record InFlight(InetAddress address, int port, byte[] bytes) {

		@Override
		public boolean equals(Object o) {
			return o instanceof InFlight f && f.port == port && f.address.equals(address) && Arrays.equals(f.bytes, bytes);
		}

		@Override
		public int hashCode() {
			return (address.hashCode() * 31 + port) * 31 + Arrays.hashCode(bytes);
		}
	}

	RadiusKeyCheck(RadiusSettings settings, RadiusServers servers, KeyCheck local, SecurityLog attempts, Granted granted, Logger log) {
		this.settings = settings;
		this.granted = granted;
		this.servers = servers;
		this.local = local;
		this.attempts = attempts;
		this.log = log;
		workers = new ThreadPoolExecutor(settings.workers(), settings.workers(), 30, TimeUnit.SECONDS,
				new ArrayBlockingQueue<>(settings.queue()), Daemons.numbered("mobilegt-radius"));
	}

	void close() {
		workers.shutdownNow();
	}

	@Override
	public Verdict check(InetAddress address, int port, ByteBuffer payload) {
		return checkAsync(address, port, payload).toCompletableFuture().join();
	}

	@Override
	public CompletionStage<Verdict> checkAsync(InetAddress address, int port, ByteBuffer payload) {
		if (local.blocked(address)) {
			return CompletableFuture.completedFuture(new Verdict(Reason.THROTTLED, null));
		}
		if (payload.remaining() > MAX_PAYLOAD) {
			attempts.record(address, port, Reason.UNKNOWN_ID, "handshake of " + payload.remaining() + " bytes is too long for RADIUS");
			return CompletableFuture.completedFuture(new Verdict(Reason.UNKNOWN_ID, null));
		}
		byte[] bytes = new byte[payload.remaining()];
		payload.get(payload.position(), bytes);
		// ToyVpn sends its handshake three times at once: the copies share one Access-Request
		InFlight key = new InFlight(address, port, bytes);
		CompletableFuture<Verdict> verdict = new CompletableFuture<>();
		CompletableFuture<Verdict> running = inFlight.putIfAbsent(key, verdict);
		if (running != null) {
			return running;
		}
		verdict.whenComplete((v, e) -> inFlight.remove(key, verdict));
		try {
			workers.execute(() -> {
				try {
					verdict.complete(authenticate(address, port, bytes));
				} catch (RuntimeException e) {
					verdict.completeExceptionally(e);
				}
			});
		} catch (RejectedExecutionException e) {
			busy.increment();
			verdict.complete(new Verdict(Reason.BUSY, null));
		}
		return verdict;
	}

	private Verdict authenticate(InetAddress address, int port, byte[] bytes) {
		int colon = indexOf(bytes, (byte) ':');
		String id = null;
		if (colon >= 0) {
			id = clientId(bytes, colon + 1);
			if (id == null) {
				attempts.record(address, port, Reason.UNKNOWN_ID, "client id is not printable ASCII of 1-64 bytes");
				return new Verdict(Reason.UNKNOWN_ID, null);
			}
		}
		byte[] password = colon >= 0 ? Arrays.copyOf(bytes, colon) : bytes;
		if (password.length == 0) {
			attempts.record(address, port, Reason.BAD_KEY, "empty key");
			return new Verdict(Reason.BAD_KEY, id);
		}
		String user = id == null ? settings.anonymousName() : id;
		Packet answer;
		try {
			answer = servers.send(request(user, password, address, port), false);
		} catch (RadiusClientException e) {
			if (settings.localWhenUnreachable()) {
				return local.check(address, port, ByteBuffer.wrap(bytes));
			}
			attempts.record(address, port, Reason.RADIUS_UNREACHABLE, "no RADIUS server answered for user " + user);
			return new Verdict(Reason.RADIUS_UNREACHABLE, id);
		}
		if (!(answer instanceof AccessAccept) && answer.getCode() != 2) {
			attempts.record(address, port, Reason.REJECTED_BY_RADIUS, "Access-Reject for user " + user);
			return new Verdict(Reason.REJECTED_BY_RADIUS, id);
		}
		int framed = answer.getAttribute(FramedIpAddress.class).map(a -> toInt(a.getData().getValue())).orElse(0);
		int sessionTimeout = answer.getAttribute(SessionTimeout.class).map(a -> a.getData().getValue()).orElse(0);
		int idleTimeout = answer.getAttribute(IdleTimeout.class).map(a -> a.getData().getValue()).orElse(0);
		byte[] cls = answer.getAttribute(org.aaa4j.radius.core.attribute.attributes.Class.class).map(a -> a.getData().getValue()).orElse(null);
		granted.put(endpoint(address, port), new Granted.Grant(user, Math.max(sessionTimeout, 0), Math.max(idleTimeout, 0),
				cls, System.currentTimeMillis()));
		return new Verdict(null, id, framed, Math.max(sessionTimeout, 0), Math.max(idleTimeout, 0), cls);
	}

	private AccessRequest request(String user, byte[] password, InetAddress address, int port) {
		List<Attribute<?>> attributes = new ArrayList<>();
		attributes.add(new UserName(new TextData(user)));
		attributes.add(new UserPassword(new StringData(password)));
		attributes.add(new NasIdentifier(new TextData(settings.nasIdentifier())));
		if (servers.nasAddress() instanceof Inet4Address nas) {
			attributes.add(new NasIpAddress(new Ipv4AddrData(nas)));
		}
		attributes.add(new CallingStationId(new TextData(endpoint(address, port))));
		attributes.add(new ServiceType(new EnumData(SERVICE_FRAMED)));
		attributes.add(new FramedProtocol(new EnumData(PROTOCOL_PPP)));
		attributes.add(new MessageAuthenticator());
		return new AccessRequest(attributes);
	}

	static int toInt(InetAddress a) {
		byte[] b = a.getAddress();
		return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | b[3] & 0xff;
	}

	private static int indexOf(byte[] bytes, byte b) {
		for (int i = 0; i < bytes.length; i++) {
			if (bytes[i] == b) {
				return i;
			}
		}
		return -1;
	}

	/** The id from {@code from} to the end if it is 1-64 printable ASCII bytes, else null. */
	static String clientId(byte[] bytes, int from) {
		int length = bytes.length - from;
		if (length < 1 || length > 64) {
			return null;
		}
		for (int i = from; i < bytes.length; i++) {
			if (bytes[i] < 0x20 || bytes[i] > 0x7e) {
				return null;
			}
		}
		return new String(bytes, from, length, StandardCharsets.US_ASCII);
	}

	// ---- the rest is the gateway's own bookkeeping

	@Override
	public boolean blocked(InetAddress address) {
		return local.blocked(address);
	}

	@Override
	public void ban(InetAddress address, String clientId, Duration duration) {
		local.ban(address, clientId, duration);
	}

	@Override
	public boolean keyConfigured() {
		return true;
	}

	/** The endpoint as session events print it (PROP_ENDPOINT): "a.b.c.d:port" or "[v6]:port". */
	private static String endpoint(InetAddress address, int port) {
		return IpEndpoint.of(IpAddress.of(address), port).toString();
	}
}

package org.mobilegt.gateway.radius.impl;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.aaa4j.radius.core.attribute.Attribute;
import org.aaa4j.radius.core.attribute.EnumData;
import org.aaa4j.radius.core.attribute.IntegerData;
import org.aaa4j.radius.core.attribute.Ipv4AddrData;
import org.aaa4j.radius.core.attribute.Ipv6AddrData;
import org.aaa4j.radius.core.attribute.StringData;
import org.aaa4j.radius.core.attribute.TextData;
import org.aaa4j.radius.core.attribute.attributes.AcctAuthentic;
import org.aaa4j.radius.core.attribute.attributes.AcctDelayTime;
import org.aaa4j.radius.core.attribute.attributes.AcctInputGigawords;
import org.aaa4j.radius.core.attribute.attributes.AcctInputOctets;
import org.aaa4j.radius.core.attribute.attributes.AcctInputPackets;
import org.aaa4j.radius.core.attribute.attributes.AcctOutputGigawords;
import org.aaa4j.radius.core.attribute.attributes.AcctOutputOctets;
import org.aaa4j.radius.core.attribute.attributes.AcctOutputPackets;
import org.aaa4j.radius.core.attribute.attributes.AcctSessionId;
import org.aaa4j.radius.core.attribute.attributes.AcctSessionTime;
import org.aaa4j.radius.core.attribute.attributes.AcctStatusType;
import org.aaa4j.radius.core.attribute.attributes.AcctTerminateCause;
import org.aaa4j.radius.core.attribute.attributes.CallingStationId;
import org.aaa4j.radius.core.attribute.attributes.FramedIpAddress;
import org.aaa4j.radius.core.attribute.attributes.FramedIpv6Address;
import org.aaa4j.radius.core.attribute.attributes.MessageAuthenticator;
import org.aaa4j.radius.core.attribute.attributes.NasIdentifier;
import org.aaa4j.radius.core.attribute.attributes.NasIpAddress;
import org.aaa4j.radius.core.attribute.attributes.UserName;
import org.aaa4j.radius.core.packet.packets.AccountingRequest;
import org.mobilegt.gateway.net.api.IpAddress;

/**
 * One accounting record, kept as plain values so that a Stop waiting for a server can be written
 * to disk as one line and sent after a restart or bundle update. Octet counts above 32 bits go
 * into the Gigawords attributes. {@code framedAddress} is 0 and {@code framedAddress6} null when the
 * session has no address of that family.
 */
record AcctRecord(int status, String sessionId, String user, String callingStation, int framedAddress, IpAddress framedAddress6,
		long inOctets, long outOctets, long inPackets, long outPackets, long sessionSeconds, int terminateCause, String cls,
		long createdMillis) {

	/** The fields of a line written before IPv6 addresses were recorded; still read after an upgrade. */
	static final int FIELDS_V4_ONLY = 13;
	static final int FIELDS = 14;

	static final int START = 1;
	static final int STOP = 2;
	static final int INTERIM = 3;
	static final int ON = 7;
	static final int OFF = 8;

	AcctRecord {
		if (framedAddress6 != null && !framedAddress6.isIpv6()) {
			throw new IllegalArgumentException("Framed-IPv6-Address " + framedAddress6 + " is not an IPv6 address");
		}
	}

	static AcctRecord onOff(int status, long now) {
		return new AcctRecord(status, "", "", "", 0, null, 0, 0, 0, 0, 0, 0, "", now);
	}

	/** The Accounting-Request; Acct-Delay-Time says how long the record waited. */
	AccountingRequest packet(String nasIdentifier, InetAddress nasAddress, long now) {
		List<Attribute<?>> a = new ArrayList<>();
		a.add(new AcctStatusType(new EnumData(status)));
		a.add(new NasIdentifier(new TextData(nasIdentifier)));
		if (nasAddress instanceof Inet4Address nas) {
			a.add(new NasIpAddress(new Ipv4AddrData(nas)));
		}
		a.add(new AcctDelayTime(new IntegerData((int) Math.min(Integer.MAX_VALUE, Math.max(0, (now - createdMillis) / 1000)))));
		if (status == START || status == STOP || status == INTERIM) {
			a.add(new AcctSessionId(new TextData(sessionId)));
			a.add(new UserName(new TextData(user)));
			a.add(new CallingStationId(new TextData(callingStation)));
			a.add(new AcctAuthentic(new EnumData(1))); // RADIUS
			if (framedAddress != 0) {
				a.add(new FramedIpAddress(new Ipv4AddrData(ipv4(framedAddress))));
			}
			if (framedAddress6 != null) { // RFC 6911
				a.add(new FramedIpv6Address(new Ipv6AddrData(ipv6(framedAddress6))));
			}
			if (!cls.isEmpty()) {
				a.add(new org.aaa4j.radius.core.attribute.attributes.Class(new StringData(Base64.getDecoder().decode(cls))));
			}
		}
		if (status == STOP || status == INTERIM) {
			a.add(new AcctInputOctets(new IntegerData((int) inOctets)));
			a.add(new AcctInputGigawords(new IntegerData((int) (inOctets >>> 32))));
			a.add(new AcctOutputOctets(new IntegerData((int) outOctets)));
			a.add(new AcctOutputGigawords(new IntegerData((int) (outOctets >>> 32))));
			a.add(new AcctInputPackets(new IntegerData((int) inPackets)));
			a.add(new AcctOutputPackets(new IntegerData((int) outPackets)));
			a.add(new AcctSessionTime(new IntegerData((int) sessionSeconds)));
		}
		if (status == STOP) {
			a.add(new AcctTerminateCause(new EnumData(terminateCause)));
		}
		a.add(new MessageAuthenticator());
		return new AccountingRequest(a);
	}

	private static Inet4Address ipv4(int address) {
		return (Inet4Address) IpAddress.ofIpv4(address).toInetAddress();
	}

	/** Always an Inet6Address: InetAddress.getByAddress would turn a v4-mapped one into IPv4. */
	private static Inet6Address ipv6(IpAddress address) {
		try {
			return Inet6Address.getByAddress(null, address.bytes(), -1);
		} catch (UnknownHostException e) {
			throw new AssertionError(e); // 16 bytes are always an IPv6 address
		}
	}

	/** One line: the fields, tab-separated, text fields base64, the IPv6 address last ("-": none). */
	String line() {
		Base64.Encoder b = Base64.getEncoder();
		return String.join("\t", Integer.toString(status), b.encodeToString(sessionId.getBytes(StandardCharsets.UTF_8)),
				b.encodeToString(user.getBytes(StandardCharsets.UTF_8)), b.encodeToString(callingStation.getBytes(StandardCharsets.UTF_8)),
				Integer.toString(framedAddress), Long.toString(inOctets), Long.toString(outOctets), Long.toString(inPackets),
				Long.toString(outPackets), Long.toString(sessionSeconds), Integer.toString(terminateCause), cls.isEmpty() ? "-" : cls,
				Long.toString(createdMillis), framedAddress6 == null ? "-" : framedAddress6.toString());
	}

	/**
	 * The record of a {@link #line()}, or of a line of the previous format (no IPv6 address).
	 *
	 * @throws IllegalArgumentException saying which field is wrong
	 */
	static AcctRecord parse(String line) {
		String[] f = line.split("\t", -1);
		if (f.length != FIELDS && f.length != FIELDS_V4_ONLY) {
			throw new IllegalArgumentException("not an accounting record: " + f.length + " fields, expected " + FIELDS);
		}
		Base64.Decoder b = Base64.getDecoder();
		return new AcctRecord(Integer.parseInt(f[0]), new String(b.decode(f[1]), StandardCharsets.UTF_8),
				new String(b.decode(f[2]), StandardCharsets.UTF_8), new String(b.decode(f[3]), StandardCharsets.UTF_8),
				Integer.parseInt(f[4]), f.length == FIELDS_V4_ONLY ? null : address6(f[13]), Long.parseLong(f[5]), Long.parseLong(f[6]),
				Long.parseLong(f[7]), Long.parseLong(f[8]), Long.parseLong(f[9]), Integer.parseInt(f[10]), f[11].equals("-") ? "" : f[11],
				Long.parseLong(f[12]));
	}

	/** An IPv6 literal (never a name lookup; the constructor refuses IPv4), or "-" for none. */
	static IpAddress address6(String field) {
		return field.equals("-") ? null : IpAddress.parse(field);
	}
}

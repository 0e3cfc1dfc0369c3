package org.mobilegt.gateway.net.api;

/**
 * A network: an address and a prefix length, with no host bits set ({@code 10.77.0.0/16},
 * {@code 2001:db8::/32}). Immutable; printed as {@code address/length}.
 */
public final class IpPrefix {

	private final IpAddress address;
	private final int length;

	private IpPrefix(IpAddress address, int length) {
		this.address = address;
		this.length = length;
	}

	/**
	 * The prefix of {@code address/length}.
	 *
	 * @throws HostBitsException        when the address has bits set past the length; it names the network meant
	 * @throws IllegalArgumentException naming the text and the rule for anything else
	 */
	public static IpPrefix parse(String text) {
		int slash = text == null ? -1 : text.indexOf('/');
		if (slash < 0) {
			throw new IllegalArgumentException((text == null ? "null" : Literals.quote(text))
					+ " is not a prefix: expected address/length, e.g. 192.0.2.0/24 or 2001:db8::/32");
		}
		IpAddress a = IpAddress.parse(text.substring(0, slash));
		return of(text, a, length(text, text.substring(slash + 1), a.bits()));
	}

	/**
	 * The network that {@code address/length} or a bare {@code address} (a host prefix) lies in,
	 * host bits cleared: for what the system lists, such as an interface's {@code 192.168.1.5/24}.
	 */
	public static IpPrefix parseCovering(String text) {
		int slash = text == null ? -1 : text.indexOf('/');
		if (slash < 0) {
			IpAddress a = IpAddress.parse(text);
			return new IpPrefix(a, a.bits());
		}
		IpAddress a = IpAddress.parse(text.substring(0, slash));
		return covering(a, length(text, text.substring(slash + 1), a.bits()));
	}

	/** The prefix of {@code address} and {@code length}; host bits are refused. */
	public static IpPrefix of(IpAddress address, int length) {
		return of(address + "/" + length, address, length);
	}

	private static IpPrefix of(String text, IpAddress address, int length) {
		IpPrefix p = covering(address, length);
		if (!p.address.equals(address)) {
			throw new HostBitsException(text, p);
		}
		return p;
	}

	/** The network of {@code length} bits that {@code address} lies in. */
	public static IpPrefix covering(IpAddress address, int length) {
		if (length < 0 || length > address.bits()) {
			throw new IllegalArgumentException("the prefix length of " + address + " must be between 0 and "
					+ address.bits() + ", not " + length);
		}
		return new IpPrefix(address.masked(address.bits() - length), length);
	}

	private static int length(String text, String digits, int max) {
		boolean plain = !digits.isEmpty() && digits.length() <= 3 && digits.chars().allMatch(c -> c >= '0' && c <= '9')
				&& (digits.length() == 1 || digits.charAt(0) != '0');
		if (!plain || Integer.parseInt(digits) > max) {
			throw new IllegalArgumentException(Literals.quote(text) + " is not a prefix: the length after '/' must be a "
					+ "decimal number from 0 to " + max + " without leading zeros");
		}
		return Integer.parseInt(digits);
	}

	/** The network address (host bits all zero). */
	public IpAddress address() {
		return address;
	}

	public int length() {
		return length;
	}

	/** The bits after the prefix: 32 or 128 minus the length. */
	public int hostBits() {
		return address.bits() - length;
	}

	public boolean isIpv4() {
		return address.isIpv4();
	}

	/** Whether {@code a} (of the same family) lies in this network. */
	public boolean contains(IpAddress a) {
		return a.isIpv4() == address.isIpv4() && a.masked(hostBits()).equals(address);
	}

	/** Whether the two share at least one address; networks of different families never do. */
	public boolean overlaps(IpPrefix o) {
		return length <= o.length ? contains(o.address) : o.contains(address);
	}

	@Override
	public String toString() {
		return address + "/" + length;
	}

	@Override
	public boolean equals(Object o) {
		return o instanceof IpPrefix p && p.length == length && p.address.equals(address);
	}

	@Override
	public int hashCode() {
		return address.hashCode() * 31 + length;
	}
}

package org.mobilegt.gateway.net.api;

/** A prefix whose address has bits set past its length; {@link #network()} is the one probably meant. */
public final class HostBitsException extends IllegalArgumentException {
	private static final long serialVersionUID = 1L;

	private final transient IpPrefix network;

	HostBitsException(String text, IpPrefix network) {
		super(Literals.quote(text) + " has host bits set; did you mean " + network + "?");
		this.network = network;
	}

	/** The network with the host bits cleared. */
	public IpPrefix network() {
		return network;
	}
}

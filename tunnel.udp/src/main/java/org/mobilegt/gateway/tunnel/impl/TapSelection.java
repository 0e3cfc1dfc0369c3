package org.mobilegt.gateway.tunnel.impl;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.mobilegt.gateway.common.LongTable;
import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.tunnel.api.Direction;
import org.mobilegt.gateway.tunnel.api.PacketTap;

/**
 * Which {@link PacketTap}s want which tunnel addresses, built from the taps' service properties.
 * Immutable; the server publishes a new one when taps come, go or change their selection, and
 * publishes none at all when no tap selects anything, so the data path then costs one null check.
 */
final class TapSelection {

	private final PacketTap[] everyone;
	private final LongTable<PacketTap[]> byAddress;

	private TapSelection(PacketTap[] everyone, LongTable<PacketTap[]> byAddress) {
		this.everyone = everyone;
		this.byAddress = byAddress;
	}

	/** The selection of {@code taps} (tap → its ADDRESSES property), or null when nothing is selected. */
	static TapSelection of(Map<PacketTap, Object> taps) {
		List<PacketTap> all = new ArrayList<>();
		Map<Long, List<PacketTap>> by = new HashMap<>();
		taps.forEach((tap, selection) -> {
			for (String a : addresses(selection)) {
				if (a.equals("*")) {
					all.add(tap);
				} else {
					try {
						long key = IpAddress.parseIpv4(a.strip()) & 0xFFFFFFFFL;
						by.computeIfAbsent(key, k -> new ArrayList<>()).add(tap);
					} catch (IllegalArgumentException e) {
						// not an IPv4 address: ignored
					}
				}
			}
		});
		if (all.isEmpty() && by.isEmpty()) {
			return null;
		}
		Map<Long, PacketTap[]> table = new HashMap<>();
		by.forEach((k, v) -> table.put(k, v.toArray(PacketTap[]::new)));
		return new TapSelection(all.toArray(PacketTap[]::new), LongTable.of(table));
	}

	private static String[] addresses(Object selection) {
		if (selection instanceof String[] a) {
			return a;
		}
		if (selection instanceof String s) {
			return s.split(",");
		}
		if (selection instanceof java.util.Collection<?> c) {
			return c.stream().map(String::valueOf).toArray(String[]::new);
		}
		return new String[0];
	}

	/** Hands the packet (position..limit) to the taps that want it; the buffer is left as it was. */
	void offer(int address, Direction direction, ByteBuffer packet) {
		PacketTap[] selected = byAddress.get(address & 0xFFFFFFFFL);
		if (selected == null && everyone.length == 0) {
			return;
		}
		int position = packet.position();
		int limit = packet.limit();
		deliver(everyone, address, direction, packet, position, limit);
		if (selected != null) {
			deliver(selected, address, direction, packet, position, limit);
		}
	}

	private static void deliver(PacketTap[] taps, int address, Direction direction, ByteBuffer packet, int position,
			int limit) {
		for (PacketTap tap : taps) {
			try {
				tap.packet(address, direction, packet);
			} catch (RuntimeException e) {
				// a broken tap must not break the data path
			}
			packet.limit(limit).position(position);
		}
	}
}

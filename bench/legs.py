#!/usr/bin/env python3
"""Where an idle round trip's time goes, leg by leg, from packet captures (no tracing of the
endpoints themselves): bench/run.sh's paired pings with LEGS=1 capture every ICMP echo and ToyVpn
datagram on each interface of the phone and gw namespaces (tcpdump, one file per interface).

  legs.py DIR          -> per system, the medians of each leg in us
  legs.py DIR -        -> "SYSTEM metric value" lines: legs_<leg>_us

A round trip is one ping's echo request and reply (ICMP id and sequence), seen at six places:
the phone's client TUN (request in, reply out), the phone's veth `vp` (the ToyVpn datagram out and
in), the gw's veth `vg1` (the same datagrams, other end), the endpoint's TUN (the IP packet the
endpoint wrote, the reply routed to it) and the gw's egress `vg2` (request out to the internet
side, reply in). The system is told by the datagram's port: 7001 the relay, 8000 the gateway.
Legs: client_up (ping to the client's datagram), server_up (datagram at the gw to its packet in
the endpoint's TUN: the wake-up, the receive, the endpoint's own code), forward_up (the kernel's
forwarding, NAT and filter to the egress), inet (the far side's answer), forward_down (back to
the endpoint's TUN), server_down (the TUN's reply to its datagram out of the gw: the write's return,
the read, the lookup, the send), client_down (the datagram at the phone to the reply on its TUN),
total. Both systems' legs come from the same minutes and the same tcpdump cost.
"""
import glob
import os
import statistics
import struct
import sys

PORTS = {7001: "relay", 8000: "gateway"}
OFFSETS = {1: 14, 12: 0, 101: 0, 228: 0, 113: 16, 276: 20}  # link type: bytes before the IP header
# (leg, from point, to point); the points: where a request (upper case: at the gw) or reply was seen
LEGS = [("client_up", "a", "b"), ("server_up", "B", "T"), ("forward_up", "T", "c"), ("inet", "c", "d"),
        ("forward_down", "d", "D"), ("server_down", "D", "E"), ("client_down", "e", "f"), ("total", "a", "f")]


def packets(path):
    """(microseconds, IP packet) of each packet of a pcap file (tcpdump --time-stamp-precision=nano or not)."""
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24:
            return
        nano = struct.unpack("<I", head[:4])[0] == 0xA1B23C4D
        skip = OFFSETS[struct.unpack("<I", head[20:24])[0]]
        while True:
            record = f.read(16)
            if len(record) < 16:
                return
            sec, frac, caught, _ = struct.unpack("<IIII", record)
            data = f.read(caught)
            yield sec * 1e6 + (frac / 1e3 if nano else frac), data[skip:]


def echo(ip):
    """(request?, id, sequence) of an IPv4 ICMP echo request or reply, else None."""
    if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 1:
        return None
    hl = (ip[0] & 15) * 4
    if len(ip) < hl + 8 or ip[hl] not in (0, 8):
        return None
    return ip[hl] == 8, struct.unpack(">H", ip[hl + 4:hl + 6])[0], struct.unpack(">H", ip[hl + 6:hl + 8])[0]


def tunneled(ip):
    """(port of the endpoint, echo inside) of a ToyVpn datagram carrying an echo, else None."""
    if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:
        return None
    hl = (ip[0] & 15) * 4
    source, dest = struct.unpack(">HH", ip[hl:hl + 4])
    port = dest if dest in PORTS else source if source in PORTS else None
    inner = echo(ip[hl + 8:])
    return (port, inner) if port and inner else None


def points(directory):
    """{(id, sequence): {point: first time seen}} and {(id, sequence): system}."""
    seen, systems = {}, {}
    for path in glob.glob(os.path.join(directory, "*.pcap")):
        name = os.path.basename(path)[:-5]
        for us, ip in packets(path):
            if name in ("ph-vp", "gw-vg1"):
                found = tunneled(ip)
                if not found:
                    continue
                port, (request, ident, seq) = found
                systems[(ident, seq)] = PORTS[port]
                point = ("b" if request else "e") if name == "ph-vp" else ("B" if request else "E")
            else:
                found = echo(ip)
                if not found:
                    continue
                request, ident, seq = found
                if name == "gw-vg2":
                    point = "c" if request else "d"
                elif name.startswith("gw-"):
                    point = "T" if request else "D"
                else:
                    point = "a" if request else "f"
            seen.setdefault((ident, seq), {}).setdefault(point, us)
    return seen, systems


def main():
    seen, systems = points(sys.argv[1])
    legs = {}
    for key, at in seen.items():
        if key in systems and all(p in at for leg in LEGS for p in leg[1:]):
            legs.setdefault(systems[key], []).append(at)
    for system, trips in sorted(legs.items()):
        medians = [(leg, statistics.median(t[to] - t[fr] for t in trips)) for leg, fr, to in LEGS]
        if len(sys.argv) > 2:
            for leg, us in medians:
                print(f"{system} legs_{leg}_us {us:.1f}")
        else:
            print(f"{system}: {len(trips)} round trips, " + "  ".join(f"{leg} {us:.1f}" for leg, us in medians))


if __name__ == "__main__":
    main()

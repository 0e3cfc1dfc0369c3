#!/usr/bin/env python3
"""A small ToyVpn client with its own TUN device, for demos and manual tests.

Does the handshake of ../shared/docs/protocol.md (secret, or secret:client-id), creates a TUN
device with the leased address, MTU and routes the gateway pushes, and relays packets between the
TUN and the gateway until interrupted. A pushed default route becomes 0.0.0.0/1 + 128.0.0.0/1 so
the route to the gateway itself stays in place. Needs root (TUN device, addresses, routes).
"""
import argparse, fcntl, os, select, signal, socket, struct, subprocess, sys, time

TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454CA, 0x0001, 0x1000


def handshake(sock, server, secret, client_id):
    payload = b"\0" + secret.encode() + ((b":" + client_id.encode()) if client_id else b"")
    for _ in range(3):
        sock.sendto(payload, server)
        sock.settimeout(2.0)
        try:
            while True:
                data, _ = sock.recvfrom(2048)
                if data[:1] == b"\0" and len(data) > 1 and b"a," in data:
                    return dict_of(data[1:].decode("ascii").strip())
        except socket.timeout:
            continue
    sys.exit("no handshake reply from %s port %d (wrong key, or the gateway is not listening)" % server[:2])


def dict_of(text):
    params = {"a": [], "r": [], "d": []}
    for field in text.split():
        kind, _, value = field.partition(",")
        if kind in params:
            params[kind].append(value)  # a dual-stack gateway sends one a, per family
        else:
            params[kind] = value
    return params


def run(*cmd):
    subprocess.run(cmd, check=True)


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


# A pushed default route is split in two, so that the route to the gateway itself stays in place.
SPLIT_DEFAULT = {"0.0.0.0": ["0.0.0.0/1", "128.0.0.0/1"], "::": ["::/1", "8000::/1"]}


def configure(name, params):
    addresses = [a.split(",") for a in params["a"]]
    if not any(":" in address for address, _ in addresses):
        try:  # the tunnel carries IPv4 only: keep the kernel's IPv6 chatter off it
            with open("/proc/sys/net/ipv6/conf/%s/disable_ipv6" % name, "w") as f:
                f.write("1")
        except OSError:
            pass
    run("ip", "link", "set", "dev", name, "mtu", params.get("m", "1400"), "up")
    for address, prefix in addresses:
        run("ip", "addr", "add", "%s/%s" % (address, prefix), "dev", name, *(["nodad"] if ":" in address else []))
    for route in params["r"]:
        net, bits = route.split(",")
        for r in SPLIT_DEFAULT[net] if bits == "0" and net in SPLIT_DEFAULT else ["%s/%s" % (net, bits)]:
            run("ip", "route", "replace", r, "dev", name)
    return " and ".join(address for address, _ in addresses)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("server", help="gateway address:port, e.g. 172.31.0.1:8000 or [2001:db8::1]:8000")
    ap.add_argument("secret")
    ap.add_argument("--id", help="client id (keeps the same address across reconnects)")
    ap.add_argument("--tun", default="toyvpn0")
    a = ap.parse_args()
    host, port = a.server.rsplit(":", 1)
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server = (host, int(port))
    sock = socket.socket(family, socket.SOCK_DGRAM)
    params = handshake(sock, server, a.secret, a.id)
    tun = open_tun(a.tun)
    address = configure(a.tun, params)
    print("connected: %s on %s, mtu %s, routes %s, dns %s" % (address, a.tun, params.get("m"),
          " ".join(params["r"]), " ".join(params["d"])), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sock.setblocking(False)
    last_sent = time.monotonic()
    while True:
        ready, _, _ = select.select([tun, sock], [], [], 1.0)
        if tun in ready:
            sock.sendto(os.read(tun, 65536), server)
            last_sent = time.monotonic()
        if sock in ready:
            data, _ = sock.recvfrom(65536)
            if data[:1] != b"\0":
                os.write(tun, data)
            elif b"x,rehandshake" in data:
                sock.setblocking(True)
                handshake(sock, server, a.secret, a.id)
                sock.setblocking(False)
        if time.monotonic() - last_sent > 10:
            sock.sendto(b"\0", server)  # keepalive
            last_sent = time.monotonic()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass

#!/usr/bin/env bash
# A look at the gateway without touching this machine's network: builds a throw-away topology
# of network namespaces (phone, gateway, internet host), starts the gateway in the gateway
# namespace and a dual-stack ToyVpn client in the phone namespace (over outer IPv6), pings the
# internet host over IPv4 and IPv6 through the tunnel and NAT/NAT66, shows vpn:clients and vpn:stats with the mobilegt CLI (over the gateway's control
# socket, as on a service), and removes everything on exit. Needs root.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ "$(id -u)" = 0 ] || { echo "demo.sh needs root (network namespaces, TUN devices)" >&2; exit 1; }
for tool in ip nft python3 java; do
	command -v "$tool" >/dev/null || { echo "demo.sh needs $tool" >&2; exit 1; }
done

id="mgt-demo$$"
phone="$id-phone" gw="$id-gw" inet="$id-inet"
work="$(mktemp -d /tmp/mgt-demo.XXXXXX)"
gateway_pid="" client_pid=""

cleanup() {
	set +e
	[ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null
	if [ -n "$gateway_pid" ]; then
		kill -TERM "$gateway_pid" 2>/dev/null                # a clean stop: route and NAT removed
		for _ in $(seq 50); do kill -0 "$gateway_pid" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$gateway_pid" 2>/dev/null
	fi
	for ns in "$phone" "$gw" "$inet"; do ip netns del "$ns" 2>/dev/null; done
	[ -n "${KEEP_DEMO:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "== building the gateway (if needed)"
jar="$root/gateway.app/target/gateway.jar"
[ -f "$jar" ] || (cd "$root" && mvn -B -q package -DskipTests)

echo "== topology: $phone (172.31.250.2, 2001:db8:250::2) -- $gw (172.31.250.1, 2001:db8:250::1 | 198.51.100.1, 2001:db8:251::1) -- $inet (198.51.100.2, 2001:db8:251::2)"
for ns in "$phone" "$gw" "$inet"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip link add "d$$p" netns "$phone" type veth peer name "d$$g" netns "$gw"
ip link add "d$$i" netns "$inet" type veth peer name "d$$o" netns "$gw"
ip -n "$phone" addr add 172.31.250.2/24 dev "d$$p"; ip -n "$phone" link set "d$$p" up
ip -n "$gw" addr add 172.31.250.1/24 dev "d$$g"; ip -n "$gw" link set "d$$g" up
ip -n "$gw" addr add 198.51.100.1/24 dev "d$$o"; ip -n "$gw" link set "d$$o" up
ip -n "$inet" addr add 198.51.100.2/24 dev "d$$i"; ip -n "$inet" link set "d$$i" up
ip -n "$gw" route add default via 198.51.100.2
ip -n "$phone" addr add 2001:db8:250::2/64 dev "d$$p" nodad
ip -n "$gw" addr add 2001:db8:250::1/64 dev "d$$g" nodad
ip -n "$gw" addr add 2001:db8:251::1/64 dev "d$$o" nodad
ip -n "$inet" addr add 2001:db8:251::2/64 dev "d$$i" nodad
ip -n "$gw" -6 route add default via 2001:db8:251::2

echo "== starting the gateway in $gw"
mkdir -p "$work/conf"
printf 'key=demo-secret\n' > "$work/conf/mobilegt.auth.cfg"
(cd "$work" && exec ip netns exec "$gw" java -Dmobilegt.console=headless -jar "$jar" </dev/null >"$work/gateway.out" 2>&1) &
gateway_pid=$!
for _ in $(seq 150); do grep -q "Tunnel serving" "$work/gateway.out" && break; sleep 0.2; done
grep -q "Tunnel serving" "$work/gateway.out" || { cat "$work/gateway.out"; echo "the gateway did not start" >&2; exit 1; }
grep -E "TUN|Tunnel (listening|serving)" "$work/gateway.out" | sed 's/^/   /'

echo "== connecting a ToyVpn client (id phone-1) from $phone to [2001:db8:250::1]:8000 (outer IPv6)"
ip netns exec "$phone" python3 "$root/scripts/toyvpn-client.py" "[2001:db8:250::1]:8000" demo-secret --id phone-1 --tun toyvpn0 >"$work/client.out" 2>&1 &
client_pid=$!
for _ in $(seq 50); do grep -q connected "$work/client.out" && break; sleep 0.2; done
sed 's/^/   /' "$work/client.out"

echo "== ping 198.51.100.2 (the internet host, reachable only through the tunnel and NAT)"
ip netns exec "$phone" ping -c 3 -W 2 198.51.100.2 | sed 's/^/   /'
echo "== ping 2001:db8:251::2 (the same host over IPv6, through the tunnel and NAT66)"
ip netns exec "$phone" ping -6 -c 3 -W 2 2001:db8:251::2 | sed 's/^/   /'

mobilegt() {
	echo "== mobilegt $*"
	"$root/scripts/mobilegt" --socket "$work/control.sock" "$@" | sed 's/^/   /'
}
mobilegt vpn:clients
mobilegt vpn:stats
echo "== done; cleaning up"

#!/bin/bash
# What the gateway's nft table costs per forwarded packet. One thread writes 92-byte IPv4/UDP
# packets into a TUN device as fast as it can (bench/tun-write.c); each write carries its packet
# through forwarding, conntrack and the nft hooks in that thread, out of a veth to a namespace
# that drops it. Nanoseconds per write: with no table, with the table's NAT chain only, and with
# the whole table the driver builds at its defaults (tun.driver's FirewallScript), for packets
# from the clients' TUN (mgt0) and from another interface (mgt1: like replies to clients, or the
# router's other traffic). Medians of RUNS runs, the tables interleaved within each run.
# OLD=file adds another table (an earlier version's, for an A/B).
#
# usage (root):  bench/fw-cost.sh [COUNT [RUNS]]     defaults: 1000000 7
# Two namespaces mgt-<pid>-fw and mgt-<pid>-fwsink, removed on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
count=${1:-1000000}
runs=${2:-7}
if [ "$(id -u)" != 0 ]; then
	echo "fw-cost: needs root (namespaces, TUN devices, nft)" >&2
	exit 1
fi
work=$(mktemp -d /tmp/mgt-fwcost.XXXXXX)
gw=mgt-$$-fw
sink=mgt-$$-fwsink
trap 'ip netns del $gw 2>/dev/null || true; ip netns del $sink 2>/dev/null || true; rm -rf "$work"' EXIT

cc -O2 -Wall -o "$work/tun-write" "$here/tun-write.c"
. "$here/test-classpath.sh"
cp=$(test_classpath "$work")
"${JAVA_HOME:+$JAVA_HOME/bin/}java" -cp "$cp" org.mobilegt.gateway.tun.impl.FirewallScript >"$work/table.nft"
awk '/^  chain forward/ { exit } { print } END { print "}" }' "$work/table.nft" >"$work/nat.nft"
tables="none nat table"
if [ -n "${OLD:-}" ]; then
	cp "$OLD" "$work/old.nft"
	tables+=" old"
fi

ip netns add $gw
ip netns add $sink
g() { ip netns exec $gw "$@"; }
g ip link set lo up
g sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1
for dev in mgt0 mgt1; do
	g ip tuntap add $dev mode tun
	g ip link set $dev up
done
g ip addr add 10.77.0.1/16 dev mgt0
g ip addr add 10.78.0.1/16 dev mgt1
g ip link add v0 type veth peer name v1 netns $sink
g ip addr add 198.18.0.1/24 dev v0
g ip link set v0 up
ip netns exec $sink ip link set v1 up # no address: the sink drops what arrives
g ip neigh add 198.18.0.2 lladdr "$(ip netns exec $sink cat /sys/class/net/v1/address)" dev v0 nud permanent

for run in $(seq "$runs"); do
	for dev in mgt0 mgt1; do
		for t in $tables; do
			g nft flush ruleset
			[ $t = none ] || g nft -f "$work/$t.nft"
			echo "$run $dev $t $(g "$work/tun-write" $dev "$count")" | tee -a "$work/raw"
		done
	done
done

echo
echo "ns per packet written into a TUN and forwarded, median of $runs runs of $count (kernel $(uname -r))"
awk '{ v[$2 " " $3] = v[$2 " " $3] " " $4 } END { for (k in v) print k v[k] }' "$work/raw" | sort |
	while read -r dev t values; do
		printf '%s %s %s\n' "$dev" "$t" "$(tr ' ' '\n' <<<"$values" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')"
	done >"$work/medians"
printf '%-34s %10s %10s %14s\n' "" none "NAT only" "+ filter"
for dev in mgt0 mgt1; do
	label=$([ $dev = mgt0 ] && echo "from the clients' TUN" || echo "from another interface")
	for t in $tables; do
		[ $t = none ] || [ $t = nat ] && continue
		read -r none nat full < <(awk -v d=$dev -v t=$t '$1 == d { m[$2] = $3 } END { print m["none"], m["nat"], m[t] }' "$work/medians")
		printf '%-34s %10s %10s %14s\n' "$label ($t)" "$none" "$nat" "$(awk -v a="$full" -v b="$nat" 'BEGIN { printf "%s (+%d)", a, a - b }')"
	done
done

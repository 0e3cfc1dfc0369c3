#!/bin/bash
# Raw TUN packet rate: ICMP echo round trips per second through the driver's own LinuxTun (Java,
# JNA) against the same loop in C (bench/tun-pps.c), in the same run, on a single-queue device
# and on a 2-queue multiqueue device with 2 threads (one per queue). Each round trip is one
# write of an echo request addressed to the namespace itself (10.98.1.1 on lo) and one read of
# the kernel's reply, routed back into the TUN. Medians of RUNS runs, C and Java alternating.
#
# usage (root):  bench/tun-pps.sh [PACKETS [SECONDS [RUNS]]]     defaults: 1000000 10 3
#   PACKETS round trips per thread or SECONDS, whichever ends first (after a 20000 warm-up).
#   MAVEN_REPO=dir passes -Dmaven.repo.local to the build.
# Everything runs in a fresh network namespace that vanishes with the script.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
packets=${1:-1000000}
seconds=${2:-10}
runs=${3:-3}

if [ "$(id -u)" != 0 ]; then
	echo "tun-pps: needs root (it creates TUN devices in a private network namespace)" >&2
	exit 1
fi

if [ -z "${MGT_BENCH_NS:-}" ]; then
	work=$(mktemp -d /tmp/mgt-tunpps.XXXXXX)
	trap 'rm -rf "$work"' EXIT
	cc -O2 -Wall -pthread -o "$work/tun-pps" "$here/tun-pps.c"
	. "$here/test-classpath.sh"
	cp=$(test_classpath "$work")
	MGT_BENCH_NS=1 MGT_WORK="$work" MGT_CP="$cp" unshare --net -- "$0" "$packets" "$seconds" "$runs"
	exit
fi

# In the fresh namespace from here on.
ip link set lo up
for f in all default; do echo 1 >/proc/sys/net/ipv6/conf/$f/disable_ipv6; done # no IPv6 chatter on the TUN
ip addr add 10.98.1.1/32 dev lo
java=${JAVA_HOME:+$JAVA_HOME/bin/}java

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
pps() { sed -n 's/^pps=\([0-9]*\).*/\1/p'; }

declare -A result
for queues in 1 2; do
	dev=mgtb$queues
	ip tuntap add dev $dev mode tun $([ "$queues" -gt 1 ] && echo multi_queue)
	ip link set dev $dev up
	ip route replace 10.98.0.0/24 dev $dev
	c_runs=() j_runs=()
	for run in $(seq "$runs"); do
		line=$("$MGT_WORK/tun-pps" $dev $queues "$packets" "$seconds")
		echo "queues=$queues run=$run C    $line"
		c_runs+=("$(pps <<<"$line")")
		line=$("$java" -cp "$MGT_CP" org.mobilegt.gateway.tun.impl.TunPps $dev $queues "$packets" "$seconds")
		echo "queues=$queues run=$run Java $line"
		j_runs+=("$(pps <<<"$line")")
	done
	result[c$queues]=$(printf '%s\n' "${c_runs[@]}" | median)
	result[j$queues]=$(printf '%s\n' "${j_runs[@]}" | median)
	ip link del dev $dev
done

echo
echo "TUN echo round trips/s, median of $runs runs (kernel $(uname -r), $(nproc) CPUs)"
printf '%-22s %12s %12s %8s\n' "" "C" "Java" "Java/C"
for queues in 1 2; do
	printf '%-22s %12s %12s %8s\n' "$queues queue(s), $queues thread(s)" "${result[c$queues]}" "${result[j$queues]}" \
		"$(awk -v j="${result[j$queues]}" -v c="${result[c$queues]}" 'BEGIN { printf "%.2f", j / c }')"
done
printf '%-22s %12s %12s\n' "2 queues / 1 queue" \
	"$(awk -v a="${result[c2]}" -v b="${result[c1]}" 'BEGIN { printf "%.2f", a / b }')" \
	"$(awk -v a="${result[j2]}" -v b="${result[j1]}" 'BEGIN { printf "%.2f", a / b }')"

#!/usr/bin/env bash
# Where the gateway's memory goes, for one JVM profile: no data path, no iperf3, ~20 s. Starts the
# jar headless (as the systemd unit runs it) in namespaces of its own, then reads VmRSS, the
# anonymous and file-backed parts (/proc/PID/smaps_rollup), the thread count and the heap
# (jcmd GC.heap_info) idle and after 1,000 handshake-only clients (`relay handshakes`). With
# NMT=1 it adds -XX:NativeMemoryTracking=summary and keeps `VM.native_memory summary` idle and
# `summary.diff` against the idle baseline after the clients in bench/out/probe-<pid>/.
#
#   sudo bench/probe.sh [JVM OPTION...]     e.g. sudo MALLOC_ARENA_MAX=2 bench/probe.sh -Xmx64m
#
# STATE=DIR runs in DIR and keeps its framework cache: a second run measures a restart, as the
# service restarts (the first start installs every bundle from the jar).
#
# Prints one line: start_ms and the JVM's CPU time until then (cpu_ms), then "idle" and "at_N"
# figures in KiB (rss anon file threads heap_committed heap_used). CLIENTS (1000) sets N. The
# candidates table of BENCHMARKS.md ("Footprint") comes from it; bench/footprint.sh measures the
# chosen profile with the data path.
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
JAR=${GATEWAY_JAR:-$ROOT/gateway.app/target/gateway.jar}
CLIENTS=${CLIENTS:-1000}
(($(id -u) == 0)) || { echo "needs root (network namespaces, TUN): sudo $0" >&2; exit 1; }
[[ -f $JAR ]] || { echo "$JAR is missing (mvn -B package -DskipTests)" >&2; exit 1; }
make -s -C "$BENCH" >/dev/null
RELAY=$BENCH/out/relay

P=mgt-p$$ # namespaces mgt-p<pid>-ph and -gw; removed on exit
NS_PH=$P-ph NS_GW=$P-gw
# STATE=DIR keeps the working directory (the framework cache) for the next run: a restart
OUT=${STATE:-$BENCH/out/probe-$$}
SECRET=probe-$RANDOM$RANDOM
GW_PID=""
cleanup() {
	if [[ -n $GW_PID ]]; then kill "$GW_PID" 2>/dev/null || true; wait "$GW_PID" 2>/dev/null || true; fi
	ip netns del "$NS_PH" 2>/dev/null || true
	ip netns del "$NS_GW" 2>/dev/null || true
	[[ -n ${STATE:-} ]] || rm -rf "$OUT/data" # the framework's cache, a copy of every bundle (~17 MiB)
}
trap cleanup EXIT
for ns in "$NS_PH" "$NS_GW"; do ip netns add "$ns" && ip -n "$ns" link set lo up; done
ip -n "$NS_PH" link add vp type veth peer name vg1 netns "$NS_GW"
ip -n "$NS_GW" link add vg2 type veth peer name vi # the NAT's egress; nothing behind it
ip -n "$NS_PH" addr add 172.31.20.2/24 dev vp
ip -n "$NS_GW" addr add 172.31.20.1/24 dev vg1
ip -n "$NS_GW" addr add 172.31.21.1/24 dev vg2
for d in vg1 vg2 vi; do ip -n "$NS_GW" link set "$d" up; done
ip -n "$NS_PH" link set vp up

mkdir -p "$OUT/conf"
(umask 077 && printf 'key=%s\n' "$SECRET" >"$OUT/conf/mobilegt.auth.cfg")
printf '%s\n' name=mgt0 mtu=1400 subnet=10.77.0.0/16 nat=true egress=vg2 persist=false >"$OUT/conf/mobilegt.tun.cfg"
printf '%s\n' bind=172.31.20.1 port=8000 mtu=1400 \
	replyBytesPerSource=1073741824 replyBytesPerSecond=1073741824 >"$OUT/conf/mobilegt.tunnel.cfg"
printf '%s\n' idleTimeoutSeconds=900 maxSessionsPerSource=0 maxNewLeasesPerSourcePerMinute=0 >"$OUT/conf/mobilegt.sessions.cfg"

nmt=()
[[ ${NMT:-0} == 1 ]] && nmt=(-XX:NativeMemoryTracking=summary)
t0=$(date +%s%N)
(cd "$OUT" && exec ip netns exec "$NS_GW" java "${nmt[@]}" "$@" -Dmobilegt.console=headless -jar "$JAR" \
	</dev/null >gateway.log 2>&1) &
GW_PID=$!
for ((i = 0; i < 400; i++)); do
	grep -q "Tunnel serving" "$OUT/gateway.log" 2>/dev/null && break
	kill -0 "$GW_PID" 2>/dev/null || { echo "gateway exited: $(tail -3 "$OUT/gateway.log")" >&2; exit 1; }
	sleep 0.05
done
start_ms=$((($(date +%s%N) - t0) / 1000000))
# CPU time of the JVM (all threads) up to "Tunnel serving": unlike start_ms, barely changed by
# the load of other processes on the box
cpu_ms=$(awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$GW_PID/stat")
sleep 2

# figures NAME: "NAME rss anon file threads heap_committed heap_used" (KiB)
figures() {
	local r heap
	r=$(awk '/^Rss:/ {r = $2} /^Anonymous:/ {a = $2} END {print r, a, r - a}' "/proc/$GW_PID/smaps_rollup")
	# committed and used over the generations (Serial, Parallel; "DefNew"/"Tenured" on 25) or G1's heap
	heap=$(jcmd "$GW_PID" GC.heap_info | awk '/(generation|heap|DefNew|Tenured) +total/ {
		for (i = 1; i < NF; i++) { if ($i == "total") t += $(i + 1); if ($i == "used") u += $(i + 1) } }
		END {print t + 0, u + 0}')
	cat /proc/"$GW_PID"/task/*/comm | sort | uniq -c >"$OUT/threads-$1.txt"
	cp "/proc/$GW_PID/smaps" "$OUT/smaps-$1.txt"
	echo "$1 $r $(ls "/proc/$GW_PID/task" | wc -l) $heap"
}
idle=$(figures idle)
if [[ ${NMT:-0} == 1 ]]; then
	jcmd "$GW_PID" VM.native_memory summary >"$OUT/nmt-idle.txt"
	jcmd "$GW_PID" VM.native_memory baseline >/dev/null
fi
ip netns exec "$NS_PH" "$RELAY" handshakes --server 172.31.20.1:8000 --secret "$SECRET" --clients "$CLIENTS" \
	--id-prefix probe- --first-port 40000 --parallel 64 --max-seconds 60 >"$OUT/handshakes.log" 2>&1 || true
sleep 1
at=$(figures "at_$CLIENTS")
[[ ${NMT:-0} == 1 ]] && jcmd "$GW_PID" VM.native_memory summary.diff >"$OUT/nmt-diff.txt"
jcmd "$GW_PID" VM.classloader_stats >"$OUT/classloaders-at_$CLIENTS.txt"
jcmd "$GW_PID" GC.class_histogram >"$OUT/histogram-at_$CLIENTS.txt" # last: it runs a full GC
echo "start_ms $start_ms cpu_ms $cpu_ms | $idle | $at | $(grep '^RESULT' "$OUT/handshakes.log" | grep -o 'failed=[0-9]*') | $OUT"

#!/usr/bin/env bash
# Benchmarks the gateway's kind of data path against baselines over the same veths in one run.
# Topology (docs/testing.md): phone ns --veth-- gw ns --veth-- inet ns; every tunnel runs between
# phone and gw, the gw ns forwards and masquerades to the inet host, which runs iperf3.
#
#   sudo bench/run.sh            full run (REPS x every system, several minutes)
#   sudo bench/run.sh --smoke    one short repetition of a subset (CI)
# Env: REPS (3), DURATION (iperf3 seconds, 5), SYSTEMS (space-separated subset of
#      "direct wg ovpn-none ovpn-gcm relay relay1 gateway"), GATEWAY=0 (skip the gateway),
#      UDP64_RATE / UDPMTU_RATE (offered iperf3 UDP rates), HANDSHAKES (gateway handshake count),
#      PIN=1 (phone side on CPU 0, gw + inet on CPU 1), OVPN_EXTRA (more OpenVPN options),
#      OFFLOAD=false (the gateway's TUN without kernel offloads).
# Results: bench/out/<timestamp>/ (raw.tsv, results.tsv, table.txt, plot.png, machine.txt, logs/).
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")

SMOKE=0
case "${1:-}" in
--smoke) SMOKE=1 ;;
"") ;;
*) echo "usage: $0 [--smoke]" >&2; exit 2 ;;
esac
if ((SMOKE)); then
	REPS=${REPS:-1}
	DURATION=${DURATION:-2}
	SYSTEMS=${SYSTEMS:-"direct relay gateway"}
	TESTS=${TESTS:-"ping tcp1 udp64"}
	PINGS=${PINGS:-50}
	HANDSHAKES=${HANDSHAKES:-200}
else
	REPS=${REPS:-3}
	DURATION=${DURATION:-5}
	SYSTEMS=${SYSTEMS:-"direct wg ovpn-none ovpn-gcm relay relay1 gateway"}
	TESTS=${TESTS:-"ping tcp1 tcp4 tcp1r tcp4r udp64 udpmtu"}
	PINGS=${PINGS:-200}
	HANDSHAKES=${HANDSHAKES:-2000}
fi
GATEWAY=${GATEWAY:-1}
# Offered UDP rates: far above what any userspace tunnel here carries, so received pps is the limit.
UDP64_RATE=${UDP64_RATE:-150M}   # ~290k packets/s of 64-byte payloads
UDPMTU_RATE=${UDPMTU_RATE:-2G}   # ~180k packets/s of 1400-byte IP packets
GATEWAY_JAR=${GATEWAY_JAR:-$ROOT/gateway.app/target/gateway.jar}

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
fail() { log "ERROR: $*"; exit 1; }

(($(id -u) == 0)) || fail "needs root (network namespaces, TUN devices): sudo $0 $*"

# ---------- per-run names ----------
ID=b$$
P=mgt-$ID                     # namespaces: mgt-b<pid>-ph / -gw / -in
NS_PH=$P-ph NS_GW=$P-gw NS_IN=$P-in
PH_IP=172.31.10.2 GW_IP=172.31.10.1 GW_OUT_IP=172.31.11.1 INET_IP=172.31.11.2
INET_NET=172.31.11.0/24
TUN_MTU=1400
SECRET=bench-$RANDOM$RANDOM

STAMP=$(date +%Y%m%d-%H%M%S)-$$
OUT=$BENCH/out/$STAMP
LOGS=$OUT/logs
RAW=$OUT/raw.tsv
RELAY=$BENCH/out/relay

REPORTED=0
SYS="" SKIP=""   # the system being measured; why it is skipped
PIDS=()          # every background process this run started
ENDPOINTS=()     # tunnel endpoint processes of the current system (CPU and RSS accounting)
PH_DEV=""        # the phone-side device traffic to the inet host leaves through

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# With PIN=1 the phone side runs on CPU 0 and the gw and inet sides on CPU 1, like two machines.
pin() {
	if [[ ${PIN:-0} == 1 ]]; then
		[[ $1 == "$NS_PH" ]] && echo "taskset -c 0" || echo "taskset -c 1"
	fi
}

# ---------- packages ----------
install_packages() {
	local -A need=([iperf3]=iperf3 [ping]=iputils-ping [nft]=nftables [gcc]=gcc [make]=make
		[python3]=python3 [gnuplot]=gnuplot-nox [ip]=iproute2 [ss]=iproute2 [timeout]=coreutils)
	local s
	for s in $SYSTEMS; do
		case $s in
		wg) need[wireguard-go]=wireguard-go need[wg]=wireguard-tools ;;
		ovpn-*) need[openvpn]=openvpn need[openssl]=openssl ;;
		esac
	done
	local missing=() cmd
	for cmd in "${!need[@]}"; do command -v "$cmd" >/dev/null || missing+=("${need[$cmd]}"); done
	((${#missing[@]})) || return 0
	log "installing: ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ---------- cleanup ----------
stop_pid() { # TERM, wait up to 5 s, then KILL
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

remove_namespace() { # processes left inside one of our namespaces were started by a run of ours
	local ns=$1 pid
	for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
	ip netns del "$ns" 2>/dev/null || true
}

alive() { # a zombie (killed, not yet reaped) counts as gone
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat:0:1} != Z ]]
}

remove_leftovers() { # namespaces of crashed earlier runs: mgt-b<pid>-* whose pid is gone
	local ns pid
	for ns in $(ip netns list | awk '{print $1}' | grep -E '^mgt-b[0-9]+-(ph|gw|in)$' || true); do
		pid=${ns#mgt-b}; pid=${pid%%-*}
		if [[ $pid != "$$" ]] && ! alive "$pid"; then
			log "removing leftover namespace $ns"
			remove_namespace "$ns"
		fi
	done
	for ns in /var/run/wireguard/b[0-9]*.sock; do
		[[ -e $ns ]] || continue
		pid=${ns##*/b}; pid=${pid%%[!0-9]*}
		alive "$pid" || rm -f "$ns"
	done
}

cleanup() {
	local rc=$? pid ns
	trap - EXIT INT TERM
	if ((!REPORTED)) && [[ -s ${RAW:-} ]] && (($(wc -l <"$RAW") > 1)); then
		log "aborted: results so far"
		report || true
	fi
	for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
	for ns in "$NS_PH" "$NS_GW" "$NS_IN"; do remove_namespace "$ns"; done
	rm -f /var/run/wireguard/"$ID"*.sock
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NS LOGNAME CMD... : background process in a namespace; sets LAST_PID
start() {
	local ns=$1 name=$2; shift 2
	: >"$LOGS/$name.log" # truncated before the fork: wait_for must never see an old line
	ip netns exec "$ns" $(pin "$ns") "$@" >>"$LOGS/$name.log" 2>&1 &
	LAST_PID=$!
	PIDS+=("$LAST_PID")
}

# wait_for FILE PATTERN SECONDS [PID]: until PATTERN appears in FILE; fails early when PID died
wait_for() {
	local file=$1 pattern=$2 secs=$3 pid=${4:-} i
	for ((i = 0; i < secs * 10; i++)); do
		grep -q -- "$pattern" "$file" 2>/dev/null && return 0
		[[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null && return 1
		sleep 0.1
	done
	return 1
}

# skip REASON: the current system cannot run; run_system moves on to the next one
skip() {
	SKIP=$*
	log "$SYS: skipped, $*"
}

stop_endpoints() {
	local pid
	for pid in "${ENDPOINTS[@]}"; do stop_pid "$pid"; done
	ENDPOINTS=()
}

# ---------- topology ----------
setup_topology() {
	local ns
	for ns in "$NS_PH" "$NS_GW" "$NS_IN"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	# Veths are created directly inside the namespaces: no names ever appear in the host's.
	ip -n "$NS_PH" link add vp type veth peer name vg1 netns "$NS_GW"
	ip -n "$NS_GW" link add vg2 type veth peer name vi netns "$NS_IN"
	ip -n "$NS_PH" addr add "$PH_IP/24" dev vp
	ip -n "$NS_GW" addr add "$GW_IP/24" dev vg1
	ip -n "$NS_GW" addr add "$GW_OUT_IP/24" dev vg2
	ip -n "$NS_IN" addr add "$INET_IP/24" dev vi
	ip -n "$NS_PH" link set vp up
	ip -n "$NS_GW" link set vg1 up
	ip -n "$NS_GW" link set vg2 up
	ip -n "$NS_IN" link set vi up
	nsx "$NS_GW" sysctl -qw net.ipv4.ip_forward=1
	baseline_nat on
	# The inet host knows no route back: replies reach the phone only through the gw's NAT.
	start "$NS_IN" iperf3-server iperf3 -s -B "$INET_IP"
	for ((i = 0; i < 50; i++)); do
		nsx "$NS_IN" ss -Hltn "sport = :5201" | grep -q . && return 0
		sleep 0.1
	done
	fail "iperf3 server did not start (see $LOGS/iperf3-server.log)"
}

# Masquerade for the baselines; the gateway brings its own NAT, so it is switched off for it.
baseline_nat() {
	if [[ $1 == on ]]; then
		nsx "$NS_GW" nft -f - <<-EOF
			table ip mgtbench {
				chain post { type nat hook postrouting priority srcnat; oifname "vg2" masquerade; }
			}
		EOF
	else
		nsx "$NS_GW" nft delete table ip mgtbench 2>/dev/null || true
	fi
}

route_inet_via() { # DEV [SRC]: the phone's route to the inet host
	local dev=$1 src=${2:-}
	if [[ $dev == vp ]]; then
		ip -n "$NS_PH" route replace "$INET_NET" via "$GW_IP" dev vp
	else
		ip -n "$NS_PH" route replace "$INET_NET" dev "$dev" ${src:+src "$src"}
	fi
	PH_DEV=$dev
}

# reachable: the inet host answers pings through the current path
reachable() {
	local i
	for ((i = 0; i < 10; i++)); do
		nsx "$NS_PH" ping -n -c 1 -W 1 "$INET_IP" >/dev/null 2>&1 && return 0
	done
	return 1
}

# ---------- systems ----------
# Each starts its endpoints (ENDPOINTS), sets the phone's route to the inet host, or calls skip.
# An unexpected error aborts the run (set -e); the results so far are still reported.
system_direct() {
	route_inet_via vp
}

system_wg() {
	local wc=${ID}wc ws=${ID}ws dir=$OUT/wg
	mkdir -p "$dir"
	(
		umask 077
		wg genkey >"$dir/c.key"
		wg genkey >"$dir/s.key"
	)
	wg pubkey <"$dir/c.key" >"$dir/c.pub"
	wg pubkey <"$dir/s.key" >"$dir/s.pub"
	# -f: foreground, so the PID is the daemon's; the env var forces userspace even where the
	# kernel module exists.
	local force=WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1
	start "$NS_GW" wg-server env "$force" wireguard-go -f "$ws"
	ENDPOINTS+=("$LAST_PID")
	start "$NS_PH" wg-client env "$force" wireguard-go -f "$wc"
	ENDPOINTS+=("$LAST_PID")
	local i
	for ((i = 0; i < 50; i++)); do
		[[ -S /var/run/wireguard/$ws.sock && -S /var/run/wireguard/$wc.sock ]] && break
		sleep 0.1
	done
	# A userspace wireguard-go device is a TUN; a kernel one would be of type "wireguard".
	nsx "$NS_GW" ip -d link show "$ws" | grep -qw tun || fail "$ws is not a userspace (TUN) device"
	nsx "$NS_PH" ip -d link show "$wc" | grep -qw tun || fail "$wc is not a userspace (TUN) device"
	nsx "$NS_GW" wg set "$ws" private-key "$dir/s.key" listen-port 51820 \
		peer "$(cat "$dir/c.pub")" allowed-ips 10.78.1.2/32
	nsx "$NS_PH" wg set "$wc" private-key "$dir/c.key" \
		peer "$(cat "$dir/s.pub")" allowed-ips "10.78.1.1/32,$INET_NET" endpoint "$GW_IP:51820"
	ip -n "$NS_GW" addr add 10.78.1.1/24 dev "$ws"
	ip -n "$NS_PH" addr add 10.78.1.2/24 dev "$wc"
	ip -n "$NS_GW" link set "$ws" mtu "$TUN_MTU" up
	ip -n "$NS_PH" link set "$wc" mtu "$TUN_MTU" up
	route_inet_via "$wc" 10.78.1.2
}

# OpenVPN 2.6 point-to-point over UDP, userspace (no DCO). cipher none: no crypto at all, the
# closest to ToyVpn; gcm: TLS p2p with self-signed certs pinned by fingerprint, which negotiates
# the default data cipher AES-256-GCM.
system_ovpn() {
	local mode=$1 net=$2 dir=$OUT/ovpn-$1
	mkdir -p "$dir"
	# --fast-io and the socket buffers / TUN queue the relay and the gateway get too (4 MiB, 500
	# packets); OpenVPN's own defaults (212992 bytes, 100 packets) cost it about a third.
	local common=(--dev-type tun --proto udp --tun-mtu "$TUN_MTU" --disable-dco --verb 3
		--ping 10 --ping-restart 60 --persist-tun --fast-io --sndbuf 4194304 --rcvbuf 4194304
		--txqueuelen 500 ${OVPN_EXTRA:-})
	local srv=(--dev "${ID}os" --local "$GW_IP" --lport 1194 --ifconfig "$net.1" "$net.2")
	local cli=(--dev "${ID}oc" --remote "$GW_IP" 1194 --nobind --ifconfig "$net.2" "$net.1")
	if [[ $mode == none ]]; then
		common+=(--cipher none --auth none)
	else
		local side
		for side in s c; do
			openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
				-subj "/CN=bench-$side" -keyout "$dir/$side.key" -out "$dir/$side.crt" 2>/dev/null
		done
		fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2; }
		srv+=(--tls-server --dh none --cert "$dir/s.crt" --key "$dir/s.key" --peer-fingerprint "$(fp "$dir/c.crt")")
		cli+=(--tls-client --cert "$dir/c.crt" --key "$dir/c.key" --peer-fingerprint "$(fp "$dir/s.crt")")
	fi
	start "$NS_GW" "ovpn-$mode-server" openvpn "${common[@]}" "${srv[@]}"
	ENDPOINTS+=("$LAST_PID")
	# A client that starts first gets ECONNREFUSED and retries only after 5 s.
	wait_for "$LOGS/ovpn-$mode-server.log" "link local (bound)" 10 "$LAST_PID" ||
		{ skip "openvpn server did not start, see $LOGS/ovpn-$mode-server.log"; return 0; }
	start "$NS_PH" "ovpn-$mode-client" openvpn "${common[@]}" "${cli[@]}"
	ENDPOINTS+=("$LAST_PID")
	wait_for "$LOGS/ovpn-$mode-client.log" "Initialization Sequence Completed" 20 "$LAST_PID" ||
		{ skip "openvpn did not come up, see $LOGS/ovpn-$mode-*.log"; return 0; }
	if [[ $mode == gcm ]] && ! grep -q "Data Channel: cipher 'AES-256-GCM'" "$LOGS/ovpn-$mode-client.log"; then
		skip "openvpn did not negotiate AES-256-GCM"
		return 0
	fi
	route_inet_via "${ID}oc" "$net.2"
}
system_ovpn-none() { system_ovpn none 10.78.2; }
system_ovpn-gcm() { system_ovpn gcm 10.78.3; }

# C relay on both ends; BATCH packets per recvmmsg/sendmmsg (1 = one syscall per packet, like a
# plain read/sendto loop).
system_relay_batch() {
	local batch=$1 ts=${ID}rs tc=${ID}rc
	start "$NS_GW" "$SYS-server" "$RELAY" server --tun "$ts" --listen "$GW_IP:7000" --mtu "$TUN_MTU" --batch "$batch"
	ENDPOINTS+=("$LAST_PID")
	wait_for "$LOGS/$SYS-server.log" READY 5 "$LAST_PID" || fail "relay server did not start"
	ip -n "$NS_GW" addr add 10.78.4.1/24 dev "$ts"
	start "$NS_PH" "$SYS-client" "$RELAY" client --tun "$tc" --server "$GW_IP:7000" --mtu "$TUN_MTU" --batch "$batch"
	ENDPOINTS+=("$LAST_PID")
	wait_for "$LOGS/$SYS-client.log" READY 5 "$LAST_PID" || fail "relay client did not start"
	ip -n "$NS_PH" addr add 10.78.4.2/24 dev "$tc"
	route_inet_via "$tc" 10.78.4.2
}
system_relay() { system_relay_batch 32; }
system_relay1() { system_relay_batch 1; }

# (e) The gateway jar in the gw ns (its own TUN, its own NAT), the C relay as ToyVpn client.
system_gateway() {
	if [[ $GATEWAY == 0 ]]; then
		skip "GATEWAY=0"
		return 0
	fi
	if [[ ! -f $GATEWAY_JAR ]]; then
		skip "$GATEWAY_JAR is missing (build: mvn -B package -DskipTests)"
		return 0
	fi
	command -v java >/dev/null || { skip "no java on PATH"; return 0; }
	local wd=$OUT/gateway tc=${ID}gc
	mkdir -p "$wd/conf"
	(umask 077 && printf 'key=%s\n' "$SECRET" >"$wd/conf/mobilegt.auth.cfg")
	printf '%s\n' name=mgt0 "mtu=$TUN_MTU" subnet=10.77.0.0/16 nat=true egress=vg2 persist=false "offload=${OFFLOAD:-true}" \
		>"$wd/conf/mobilegt.tun.cfg"
	printf '%s\n' "bind=$GW_IP" port=8000 "mtu=$TUN_MTU" >"$wd/conf/mobilegt.tunnel.cfg"
	baseline_nat off
	(cd "$wd" && exec ip netns exec "$NS_GW" $(pin "$NS_GW") java -jar "$GATEWAY_JAR") >"$LOGS/gateway.log" 2>&1 &
	LAST_PID=$!
	PIDS+=("$LAST_PID")
	ENDPOINTS+=("$LAST_PID")
	if ! wait_for "$LOGS/gateway.log" "Tunnel listening on" 30 "$LAST_PID"; then
		skip "no 'Tunnel listening on' within 30 s (see $LOGS/gateway.log)"
		return 0
	fi
	start "$NS_PH" gateway-client "$RELAY" client --tun "$tc" --server "$GW_IP:8000" \
		--secret "$SECRET" --id bench-phone --timeout-ms 2000 --mtu "$TUN_MTU"
	ENDPOINTS+=("$LAST_PID")
	if ! wait_for "$LOGS/gateway-client.log" "^CONFIG " 10 "$LAST_PID"; then
		skip "the ToyVpn handshake failed (see $LOGS/gateway-client.log)"
		return 0
	fi
	local addr
	addr=$(sed -n 's/^CONFIG .*address=\([0-9.]*\)\/.*/\1/p' "$LOGS/gateway-client.log" | head -1)
	[[ -n $addr ]] || { skip "no address in the handshake reply"; return 0; }
	ip -n "$NS_PH" addr add "$addr/32" dev "$tc"
	route_inet_via "$tc" "$addr"
}

# The gateway-only figure: handshakes/s from many UDP source ports (after the data-path tests).
gateway_handshakes() {
	local out
	out=$(nsx "$NS_PH" "$RELAY" handshakes --server "$GW_IP:8000" --secret "$SECRET" \
		--clients "$HANDSHAKES" --id-prefix bench-hs- --parallel 64 --max-seconds 60 2>&1) || true
	echo "$out" >"$LOGS/gateway-handshakes.log"
	local rate
	rate=$(sed -n 's/^RESULT .* rate=\([0-9.]*\).*/\1/p' <<<"$out")
	log "gateway handshakes: $(head -1 <<<"$out")"
	if [[ -n $rate ]]; then record gateway 1 hs_per_s "$rate"; fi
}

# ---------- measurements ----------
record() { printf '%s\t%s\t%s\t%s\n' "$@" >>"$RAW"; }

cpu_ticks() { # utime+stime of all endpoint processes, all threads, in clock ticks
	local pid total=0 stat
	for pid in "${ENDPOINTS[@]}"; do
		stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
		stat=${stat##*) }
		read -r -a f <<<"$stat"
		total=$((total + f[11] + f[12]))
	done
	echo "$total"
}

rss_kb() {
	local pid total=0 kb
	for pid in "${ENDPOINTS[@]}"; do
		kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || continue
		total=$((total + ${kb:-0}))
	done
	echo "$total"
}

tx_bytes() { nsx "$NS_PH" cat "/sys/class/net/$PH_DEV/statistics/tx_bytes"; }

# iperf NAME ARGS...: one iperf3 client run (bounded) into $LOGS/NAME.json
iperf() {
	local name=$1; shift
	timeout $((DURATION + 30)) ip netns exec "$NS_PH" $(pin "$NS_PH") iperf3 -c "$INET_IP" -t "$DURATION" \
		--connect-timeout 3000 -J "$@" >"$LOGS/$name.json" 2>"$LOGS/$name.err" || true
	python3 "$BENCH/stats.py" iperf "$LOGS/$name.json" "$KIND" 2>>"$LOGS/$name.err"
}

kv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }

measure() {
	local sys=$1 rep=$2 t r name hz
	hz=$(getconf CLK_TCK)
	for t in $TESTS; do
		name=$sys-$t-$rep
		case $t in
		ping)
			nsx "$NS_PH" ping -n -c "$PINGS" -i 0.01 -W 1 "$INET_IP" >"$LOGS/$name.txt" 2>&1 || true
			read -r avg p99 loss _ < <(python3 "$BENCH/stats.py" ping "$LOGS/$name.txt" "$PINGS")
			record "$sys" "$rep" rtt_avg_ms "$avg"
			record "$sys" "$rep" rtt_p99_ms "$p99"
			;;
		tcp1)
			# One forward stream, with a ping running alongside (RTT under load) and the
			# endpoints' CPU time around it.
			local c0 c1 b0 b1 pingpid
			ip netns exec "$NS_PH" ping -n -i 0.02 -w "$DURATION" "$INET_IP" >"$LOGS/$name-ping.txt" 2>&1 &
			pingpid=$!
			c0=$(cpu_ticks) b0=$(tx_bytes)
			KIND=tcp r=$(iperf "$name") || { log "$name: iperf3 failed: $(tail -c 300 "$LOGS/$name.err")"; wait $pingpid || true; continue; }
			c1=$(cpu_ticks) b1=$(tx_bytes)
			wait $pingpid || true
			local mbps bytes
			mbps=$(kv mbps "$r") bytes=$(kv bytes "$r")
			record "$sys" "$rep" tcp1_mbps "$mbps"
			read -r avg p99 _ < <(python3 "$BENCH/stats.py" ping "$LOGS/$name-ping.txt")
			record "$sys" "$rep" rtt_load_avg_ms "$avg"
			record "$sys" "$rep" rtt_load_p99_ms "$p99"
			if ((${#ENDPOINTS[@]})); then
				record "$sys" "$rep" cpu_cores_per_gbps "$(python3 -c "print(($c1-$c0)/$hz / ($bytes*8/1e9))")"
			fi
			# The payload must really have left through the tunnel device.
			if ((b1 - b0 < bytes * 9 / 10)); then
				fail "$sys: $PH_DEV carried $((b1 - b0)) bytes for $bytes bytes of iperf3 payload"
			fi
			;;
		tcp4 | tcp1r | tcp4r)
			local args=()
			[[ $t == tcp4* ]] && args+=(-P 4)
			[[ $t == *r ]] && args+=(-R)
			KIND=tcp r=$(iperf "$name" "${args[@]}") || { log "$name: iperf3 failed: $(tail -c 300 "$LOGS/$name.err")"; continue; }
			record "$sys" "$rep" "${t}_mbps" "$(kv mbps "$r")"
			;;
		udp64 | udpmtu)
			local len=64 rate=$UDP64_RATE c0 c1
			[[ $t == udpmtu ]] && len=$((TUN_MTU - 28)) rate=$UDPMTU_RATE
			c0=$(cpu_ticks)
			KIND=udp r=$(iperf "$name" -u -l "$len" -b "$rate" -w 4M) || { log "$name: iperf3 failed: $(tail -c 300 "$LOGS/$name.err")"; continue; }
			c1=$(cpu_ticks)
			record "$sys" "$rep" "${t}_kpps" "$(kv kpps "$r")"
			record "$sys" "$rep" "${t}_loss_pct" "$(kv loss_pct "$r")"
			if [[ $t == udp64 ]] && ((${#ENDPOINTS[@]})); then
				record "$sys" "$rep" cpu_us_per_pkt "$(python3 -c "print(($c1-$c0)/$hz*1e6 / max(1, $(kv received "$r")))")"
			fi
			;;
		*) fail "unknown test $t" ;;
		esac
	done
}

run_system() {
	local rep
	SYS=$1 SKIP="" ENDPOINTS=()
	log "== $SYS"
	"system_$SYS"
	if [[ -z $SKIP ]] && ! nsx "$NS_PH" ip route get "$INET_IP" | grep -q "dev $PH_DEV "; then
		fail "$SYS: the route to $INET_IP does not use $PH_DEV"
	fi
	if [[ -z $SKIP ]] && ! reachable; then
		skip "the inet host is not reachable through $PH_DEV"
	fi
	if [[ -z $SKIP ]]; then
		for ((rep = 1; rep <= REPS; rep++)); do
			log "$SYS: repetition $rep/$REPS"
			measure "$SYS" "$rep"
		done
		if ((${#ENDPOINTS[@]})); then record "$SYS" 1 rss_kb "$(rss_kb)"; fi
		if [[ $SYS == gateway ]]; then gateway_handshakes; fi
	else
		record "$SYS" 0 skipped 1
	fi
	stop_endpoints
	if [[ $SYS == gateway ]]; then baseline_nat on; fi
	route_inet_via vp
}

report() {
	REPORTED=1
	cat "$OUT/machine.txt"
	echo
	python3 "$BENCH/stats.py" report "$RAW" "$OUT"
	plot && log "plot: $OUT/plot.png"
	log "results: $OUT/results.tsv"
}

machine_facts() {
	{
		echo "date: $(date -Is)"
		echo "cpu: $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
		echo "cores: $(nproc)"
		echo "kernel: $(uname -r)"
		echo "iperf3: $(iperf3 --version | head -1)"
		command -v wireguard-go >/dev/null && echo "wireguard-go: $(wireguard-go --version | head -1)"
		command -v openvpn >/dev/null && echo "openvpn: $(openvpn --version | head -1)"
		[[ -f $GATEWAY_JAR ]] && echo "gateway: $GATEWAY_JAR ($(stat -c %y "$GATEWAY_JAR"))"
		command -v java >/dev/null && echo "java: $(java -version 2>&1 | head -1)"
		echo "settings: REPS=$REPS DURATION=$DURATION TUN_MTU=$TUN_MTU UDP64_RATE=$UDP64_RATE UDPMTU_RATE=$UDPMTU_RATE PIN=${PIN:-0} smoke=$SMOKE"
		echo "systems: $SYSTEMS"
		echo "tests: $TESTS"
	} >"$OUT/machine.txt"
}

plot() {
	local n
	n=$(($(wc -l <"$OUT/plot.dat") - 1))
	((n > 0)) || return 0
	gnuplot 2>"$LOGS/gnuplot.log" <<-EOF
		set terminal pngcairo size 1400,900 font "sans,10" noenhanced
		set output "$OUT/plot.png"
		set datafile separator "\t"
		set datafile missing "-"
		set style data histograms
		set style histogram clustered gap 1
		set style fill solid 0.8 border -1
		set key top right autotitle columnhead
		set grid ytics
		set xtics rotate by -20
		set multiplot layout 2,1 title "bench $(basename "$OUT"): medians of $REPS run(s), $(nproc) cores, tunnel MTU $TUN_MTU"
		set title "TCP throughput (Mbit/s, log scale)"
		set logscale y
		plot "$OUT/plot.dat" using 2:xtic(1), '' using 3, '' using 4, '' using 5
		unset logscale y
		set yrange [0:*]
		set title "UDP received packets/s (thousands)"
		plot "$OUT/plot.dat" using 6:xtic(1), '' using 7
		unset multiplot
	EOF
}

main() {
	remove_leftovers
	install_packages
	mkdir -p "$LOGS"
	ln -sfn "$STAMP" "$BENCH/out/latest"
	make -s -C "$BENCH" >/dev/null
	printf '# system\trep\tmetric\tvalue\n' >"$RAW"
	machine_facts
	log "output: $OUT"
	setup_topology
	local s
	for s in $SYSTEMS; do
		declare -F "system_$s" >/dev/null || fail "unknown system '$s'"
		run_system "$s"
	done
	report
}

main
exit # nothing after this line is read: editing the script while it runs stays harmless

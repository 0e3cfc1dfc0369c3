#!/usr/bin/env bash
# Benchmarks the gateway's kind of data path against baselines over the same veths in one run.
# Topology (docs/testing.md): phone ns --veth-- gw ns --veth-- inet ns; every tunnel runs between
# phone and gw, the gw ns forwards and masquerades to the inet host, which runs iperf3.
#
#   sudo bench/run.sh            full run (REPS x every system, then the gateway-only figures)
#   sudo bench/run.sh --smoke    one short repetition of a subset; exits non-zero when a tunnel
#                                does not pass traffic (CI)
# Env: see bench/README.md (REPS, DURATION, SYSTEMS, TESTS, GATEWAY, GATEWAY_JVM_OPTS, RSS_CLIENTS,
#      AGG_SIZES, AGG_CLIENTS, AGG_INTERLEAVE, ALLOC, CPU_PACKETS, PIN, ...).
# Results: bench/out/<timestamp>/ (raw.tsv, results.tsv, table.txt, plot.png, machine.txt,
# alloc.txt, logs/).
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
	TESTS=${TESTS:-"ping tcp1 udp64 tcp1v6 udp64v6"}
	PINGS=${PINGS:-50}
	PAIR_PINGS=${PAIR_PINGS:-200}
	PAIR_BLOCKS=${PAIR_BLOCKS:-2}
	WARMUP_PINGS=${WARMUP_PINGS:-5000}
	HANDSHAKES=${HANDSHAKES:-200}
	HANDSHAKE_WARMUP=${HANDSHAKE_WARMUP:-0}
	RSS_CLIENTS=${RSS_CLIENTS:-"1 100"}
	ALLOC=${ALLOC:-0}
	AGG_SIZES=${AGG_SIZES:-${AGG_CLIENTS:-4}}
	PROFILE=${PROFILE:-0}
	LEGS=${LEGS:-0}
else
	REPS=${REPS:-3}
	DURATION=${DURATION:-5}
	SYSTEMS=${SYSTEMS:-"direct wg ovpn-none ovpn-gcm relay relay1 gateway"}
	TESTS=${TESTS:-"ping tcp1 tcp4 tcp1r tcp4r udp64 udpmtu blast imix cpu tcp1v6 udp64v6"}
	PINGS=${PINGS:-200}
	# The relay's and the gateway's idle RTT measured in one window, taking turns (paired_pings).
	PAIR_PINGS=${PAIR_PINGS:-1000}
	PAIR_BLOCKS=${PAIR_BLOCKS:-5}
	# Before its repetitions every system forwards a ping flood of this many round trips: the
	# gateway's JVM interprets its packet path until the JIT compiled it (the first seconds of
	# traffic), and a gateway in service runs warm. 0 measures it cold.
	WARMUP_PINGS=${WARMUP_PINGS:-20000}
	HANDSHAKES=${HANDSHAKES:-10000}
	# Handshakes before the measured ones (ids and source ports of their own): the JIT compiles the
	# handshake path in the first thousands, as it does the packet path; their rate is the cold figure.
	HANDSHAKE_WARMUP=${HANDSHAKE_WARMUP:-10000}
	RSS_CLIENTS=${RSS_CLIENTS:-"1 100 1000"}
	ALLOC=${ALLOC:-1}
	AGG_SIZES=${AGG_SIZES:-${AGG_CLIENTS:-4 16}}
	PROFILE=${PROFILE:-1} # perf profiles of each endpoint after test cpu's repetitions (bench/profile.sh)
	LEGS=${LEGS:-1}       # after the paired pings, one more round of them captured: each leg of a round trip (bench/legs.py)
fi
GATEWAY=${GATEWAY:-1}
# Offered UDP rates: far above what any userspace tunnel here carries, so received pps is the limit.
UDP64_RATE=${UDP64_RATE:-150M}   # ~290k packets/s of 64-byte payloads
UDPMTU_RATE=${UDPMTU_RATE:-2G}   # ~180k packets/s of 1400-byte IP packets
GATEWAY_JAR=${GATEWAY_JAR:-$ROOT/gateway.app/target/gateway.jar}
GATEWAY_JVM_OPTS=${GATEWAY_JVM_OPTS:-} # none: the JVM's defaults, as `java -jar` runs it
GATEWAY_JAVA=${GATEWAY_JAVA:-java}     # the gateway's JVM; Java 22+: the data path's libc calls through java.lang.foreign
OFFLOAD=${OFFLOAD:-true}               # the gateway's TUN offloads (mobilegt.tun offload)
ISOLATION=${ISOLATION:-true}           # the gateway's client isolation rules (mobilegt.tun isolation)
TUN_QUEUES=${TUN_QUEUES:-1}            # the gateway's TUN queues, one reader each (mobilegt.tun queues)
RECEIVE_OFFLOAD=${RECEIVE_OFFLOAD:-true} # the gateway's UDP GRO receive (mobilegt.tunnel receiveOffload)
UPLINKS=${UPLINKS:-0}                  # the gateway's uplink sockets (0 = one per core), one receiving thread each (mobilegt.tunnel uplinks)
# GRO on the gw's phone-side veth, for every system alike, as a NIC with interrupt coalescing has
# it: NAPI polled by a thread (so that datagrams queue up between polls; a veth otherwise handles
# each in its sender's system call), GRO on, and UDP datagrams eligible (a veth sends only those to
# GRO when its peer may GSO). Off: the figures of earlier runs; on: UDP GRO can merge.
VETH_GRO=${VETH_GRO:-false}
# Router solicitations from the phone-side TUNs (every system alike). A fresh TUN's kernel sends
# them at 0, 4, 12, 28... s, into the first measured pings; the gateway's JIT, which compiled the
# data path during the warm-up without that branch, then falls back to profiling code for tens of
# seconds at 100 packets/s. A gateway in service has long seen them. true: the chatter as it comes.
PHONE_RS=${PHONE_RS:-false}
# Handshake-only clients go silent at once; a long idle timeout keeps their sessions for the RSS
# figures (they are read within seconds, the whole gateway phase takes about a minute).
IDLE_TIMEOUT=${IDLE_TIMEOUT:-900}
# test "cpu": a fixed count of 64-byte UDP packets at a fixed rate every tunnel carries without loss
CPU_PACKETS=${CPU_PACKETS:-100000}
CPU_PPS=${CPU_PPS:-20000}
# test "blast" and the gateway's aggregate: `relay blast` offers BLAST_PPS 64-byte datagrams/s in
# total (like UDP64_RATE), in one flow, and in one flow per client over N gateway clients for each N
# in AGG_SIZES (AGG_CLIENTS=N: that one size). Metrics agg_* for 4 clients, agg<N>_* for the others.
# 0: as fast as the sender can, so that received kpps is the tunnel's limit on any box (a fixed
# 300,000/s, the former default, is carried whole by every system on a box that forwards more).
BLAST_PPS=${BLAST_PPS:-0}
# test "imix": `relay blast --imix`, IMIX_PPS datagrams/s of mixed IP sizes (60 % 64 B, 25 % 576 B,
# 15 % 1400 B: 392 B on average, ~940 Mbit/s at 300k/s), one flow; 0 as fast as it can.
IMIX_PPS=${IMIX_PPS:-$BLAST_PPS}
AGG_MAX=$(printf '%s\n' $AGG_SIZES | sort -n | tail -1)
# The aggregates' phone side. each: a ToyVpn client process and TUN per client (its clients take
# more of the 2 cores with every client added); one: one process for all of a system's clients
# (`relay client --clients AGG_MAX`: as many sessions, sockets and endpoints, one TUN), whose cost
# does not grow with the clients, so that the servers compete with as much load either way.
AGG_PROCESSES=${AGG_PROCESSES:-each}
# 1: with relay before gateway in SYSTEMS, the C relay's aggregate runs in the gateway's phase, its
# repetitions interleaved with the gateway's, so that a change of load on the box hits both alike.
AGG_INTERLEAVE=${AGG_INTERLEAVE:-1}
# Allocation check (a second gateway run with JFR and a GC log): ALLOC_SECONDS of UDP at
# ALLOC_UDP_RATE in 1400-byte packets, then ALLOC_SECONDS of one TCP stream.
ALLOC_SECONDS=${ALLOC_SECONDS:-10}
ALLOC_UDP_RATE=${ALLOC_UDP_RATE:-200M}
# Upper bound of any single iperf3 run (they end on their own long before).
IPERF_LIMIT=$((DURATION + ALLOC_SECONDS + CPU_PACKETS / CPU_PPS + 30))

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
fail() { log "ERROR: $*"; exit 1; }

(($(id -u) == 0)) || fail "needs root (network namespaces, TUN devices): sudo $0 $*"

# ---------- per-run names ----------
ID=b$$
P=mgt-$ID                     # namespaces: mgt-b<pid>-ph / -gw / -in
NS_PH=$P-ph NS_GW=$P-gw NS_IN=$P-in
PH_IP=172.31.10.2 GW_IP=172.31.10.1 GW_OUT_IP=172.31.11.1 INET_IP=172.31.11.2
INET_NET=172.31.11.0/24
# IPv6 inside the tunnels (tests tcp1v6, udp64v6): the inet link in 2001:2::/48 (benchmarking,
# RFC 5180; global, so the gateway's isolation lets it through), the phone link for direct routing
PH_IP6=2001:2:0:10::2 GW_IP6=2001:2:0:10::1 GW_OUT_IP6=2001:2:0:11::1 INET_IP6=2001:2:0:11::2
INET_NET6=2001:2:0:11::/64
TUN_MTU=1400
SECRET=bench-$RANDOM$RANDOM

STAMP=$(date +%Y%m%d-%H%M%S)-$$
OUT=$BENCH/out/$STAMP
LOGS=$OUT/logs
RAW=$OUT/raw.tsv
RELAY=$BENCH/out/relay
# shellcheck source=bench/profile.sh
. "$BENCH/profile.sh"

REPORTED=0
SYS="" SKIP=""   # the system being measured; why it is skipped
PIDS=()          # every background process this run started
ENDPOINTS=()     # tunnel endpoint processes of the current system (CPU and RSS accounting)
PH_DEV=""        # the phone-side device traffic to the inet host leaves through
GW_PID="" GW_SOCK="" GW_LOG="" # the running gateway and its control socket
HS_NEXT_PORT=40000 # the next source port for handshake-only clients (RSS steps, then the warm-up)
CLIENT_ADDR=""   # tunnel address of the last ToyVpn client that connected
PH_SRC=""        # the phone's source address on PH_DEV
PH_DEV6=""       # the same for IPv6; empty: the system carries no IPv6 (its v6 tests are skipped)
CLIENT_ADDR6=""  # IPv6 tunnel address of the last ToyVpn client, if the gateway gave it one
CLIENT_TUN=""    # its TUN
AGG_SRV=()       # the aggregate being blasted: its tunnel server process (CPU per packet, share of the box)
AGG_CLI=()       # and its ToyVpn client processes in the phone ns
RELAY_AGG_PENDING=0 # the C relay's aggregate waits for the gateway's phase (AGG_INTERLEAVE)
# per system in an aggregate: SYS_tuns, SYS_addrs (its clients so far), SYS_srv, SYS_cli (PIDs)
relay_tuns=() relay_addrs=() relay_srv="" relay_cli=()
gateway_tuns=() gateway_addrs=() gateway_srv="" gateway_cli=()

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# idle_pings COUNT LOG [PING OPTION...]: COUNT pings from the phone ns to the inet host, 10 ms
# apart (the RTT tests' idle pace), appended to LOG; lost ones are the log's to tell
idle_pings() {
	local count=$1 out=$2
	shift 2
	nsx "$NS_PH" ping -n -c "$count" -i 0.01 -W 1 "$@" "$INET_IP" >>"$out" 2>&1 || true
}

# With PIN=1 the phone side runs on CPU 0 and the gw and inet sides on CPU 1, like two machines.
pin() {
	if [[ ${PIN:-0} == 1 ]]; then
		[[ $1 == "$NS_PH" ]] && echo "taskset -c 0" || echo "taskset -c 1"
	fi
}

# ---------- packages ----------
install_packages() {
	local -A need=([iperf3]=iperf3 [ping]=iputils-ping [nft]=nftables [gcc]=gcc [make]=make
		[python3]=python3 [gnuplot]=gnuplot-nox [ip]=iproute2 [ss]=iproute2 [timeout]=coreutils
		[ethtool]=ethtool)
	((PROFILE)) && need[perf]=linux-perf
	((LEGS)) && need[tcpdump]=tcpdump
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
	rm -f /var/run/wireguard/"$ID"*.sock /run/mgt-"$ID"-*.sock
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
	ip -n "$NS_PH" -6 addr add "$PH_IP6/64" dev vp nodad
	ip -n "$NS_GW" -6 addr add "$GW_IP6/64" dev vg1 nodad
	ip -n "$NS_GW" -6 addr add "$GW_OUT_IP6/64" dev vg2 nodad
	ip -n "$NS_IN" -6 addr add "$INET_IP6/64" dev vi nodad
	# The gw's way out cuts UDP segments in software, as a NIC without UDP segmentation offload
	# does: a tunnel that writes UDP segments to its TUN (the gateway on Linux 6.2+, wireguard-go)
	# then puts datagrams on the link, and the inet host's nft counters (blast, aggregates) count
	# each; a veth would carry the segment whole, one packet to the counter.
	nsx "$NS_GW" ethtool -K vg2 tx-udp-segmentation off >/dev/null
	if [ "$VETH_GRO" = true ]; then
		nsx "$NS_GW" ethtool -K vg1 gro on rx-udp-gro-forwarding on
		nsx "$NS_GW" sh -c 'echo 1 >/sys/class/net/vg1/threaded'
	fi
	nsx "$NS_GW" sysctl -qw net.ipv4.ip_forward=1
	nsx "$NS_GW" sysctl -qw net.ipv6.conf.all.forwarding=1
	if [ "$PHONE_RS" = false ]; then # before any TUN exists there: each inherits the default
		nsx "$NS_PH" sysctl -qw net.ipv6.conf.default.router_solicitations=0
	fi
	baseline_nat on
	# The inet host knows no route back: replies reach the phone only through the gw's NAT.
	start "$NS_IN" iperf3-server iperf3 -s -B "$INET_IP"
	start "$NS_IN" iperf3-server6 iperf3 -s -B "$INET_IP6" -p 5202
	# The sink of `relay blast`: flow i to port 9000+i, counted and dropped by the inet host's kernel.
	local port rules=""
	for ((port = 9000; port < 9000 + (AGG_MAX > 1 ? AGG_MAX : 1); port++)); do
		rules+="udp dport $port counter drop"$'\n'
	done
	nsx "$NS_IN" nft -f - <<-EOF
		table inet mgtsink {
			chain in {
				type filter hook input priority filter;
				$rules
			}
		}
	EOF
	for ((i = 0; i < 50; i++)); do
		nsx "$NS_IN" ss -Hltn "sport = :5201" | grep -q . && nsx "$NS_IN" ss -Hltn "sport = :5202" | grep -q . && return 0
		sleep 0.1
	done
	fail "iperf3 server did not start (see $LOGS/iperf3-server.log)"
}

sink_counts() { # packets and IP bytes counted per sink port, "port packets bytes" lines
	nsx "$NS_IN" nft list table inet mgtsink |
		sed -n 's/.*udp dport \([0-9]*\) counter packets \([0-9]*\) bytes \([0-9]*\).*/\1 \2 \3/p'
}

# blast NAME FROM,... [RELAY BLAST OPTION...]: `relay blast` for DURATION s, one flow per source
# address (flow i to port 9000+i); by default 64-byte datagrams at BLAST_PPS. Prints "seconds S
# sent N received N received_ip_bytes B" and per flow "flowI_sent N" "flowI_received N".
# Also "box_busy_ticks N box_all_ticks N srv_ticks N clients_ticks N" over the sending window: the
# box's busy CPU time (box_ticks) and that of the processes in AGG_SRV and AGG_CLI.
blast() {
	local name=$1 from=$2 before after out opts=(--len 64 --pps "$BLAST_PPS") box0 box1 p0 p1
	(($# > 2)) && opts=("${@:3}")
	before=$(sink_counts)
	read -r -a box0 <<<"$(box_ticks)"
	p0=($(cpu_ticks "${AGG_SRV[@]}") $(cpu_ticks "${AGG_CLI[@]}"))
	out=$(timeout "$IPERF_LIMIT" ip netns exec "$NS_PH" $(pin "$NS_PH") "$RELAY" blast --to "$INET_IP:9000" \
		--from "$from" "${opts[@]}" --seconds "$DURATION" 2>&1) || { echo "$out" >"$LOGS/$name.txt"; return 1; }
	read -r -a box1 <<<"$(box_ticks)"
	p1=($(cpu_ticks "${AGG_SRV[@]}") $(cpu_ticks "${AGG_CLI[@]}"))
	sleep 0.3 # what is still queued in a tunnel arrives
	after=$(sink_counts)
	printf '%s\n--- sink before\n%s\n--- sink after\n%s\n' "$out" "$before" "$after" >"$LOGS/$name.txt"
	python3 "$BENCH/stats.py" blast "$out" "$before" "$after"
	printf '%s %s\n' box_busy_ticks $((box1[0] - box0[0])) box_all_ticks $((box1[1] - box0[1])) \
		srv_ticks $((p1[0] - p0[0])) clients_ticks $((p1[1] - p0[1]))
}

# Masquerade for the baselines; the gateway brings its own NAT, so it is switched off for it.
baseline_nat() {
	if [[ $1 == on ]]; then
		nsx "$NS_GW" nft -f - <<-EOF
			table ip mgtbench {
				chain post { type nat hook postrouting priority srcnat; oifname "vg2" masquerade; }
			}
			table ip6 mgtbench6 {
				chain post { type nat hook postrouting priority srcnat; oifname "vg2" masquerade; }
			}
		EOF
	else
		nsx "$NS_GW" nft delete table ip mgtbench 2>/dev/null || true
		nsx "$NS_GW" nft delete table ip6 mgtbench6 2>/dev/null || true
	fi
}

route_inet_via() { # DEV [SRC]: the phone's route to the inet host
	local dev=$1 src=${2:-}
	if [[ $dev == vp ]]; then
		ip -n "$NS_PH" route replace "$INET_NET" via "$GW_IP" dev vp
		src=$PH_IP
	else
		ip -n "$NS_PH" route replace "$INET_NET" dev "$dev" ${src:+src "$src"}
	fi
	PH_DEV=$dev PH_SRC=$src
}

route_inet6_via() { # DEV [SRC]: the phone's IPv6 route to the inet host; no DEV: none (v6 tests skipped)
	local dev=${1:-} src=${2:-}
	if [[ $dev == vp ]]; then
		ip -n "$NS_PH" -6 route replace "$INET_NET6" via "$GW_IP6" dev vp
	elif [[ -n $dev ]]; then
		ip -n "$NS_PH" -6 route replace "$INET_NET6" dev "$dev" ${src:+src "$src"}
	else
		ip -n "$NS_PH" -6 route del "$INET_NET6" 2>/dev/null || true
	fi
	PH_DEV6=$dev
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
	route_inet6_via vp
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
	ip -n "$NS_GW" -6 addr add fd78:4::1/64 dev "$ts" nodad
	ip -n "$NS_PH" -6 addr add fd78:4::2/64 dev "$tc" nodad
	route_inet6_via "$tc" fd78:4::2
}
system_relay() { system_relay_batch 32; }
system_relay1() { system_relay_batch 1; }

# The C relay's own aggregate, the minimal userspace design with the gateway's clients: one
# `relay server --clients AGG_MAX` (one thread, one TUN, one socket) in the gw ns, next to the pair,
# and ToyVpn relay clients with the same blast flows and policy routing as the gateway's aggregate.
# Deferred to the gateway's phase when that comes later and AGG_INTERLEAVE=1.
relay_aggregate() {
	((AGG_MAX > 1)) || return 0
	local s later=0
	for s in $SYSTEMS; do
		[[ $s == gateway && $later == 1 ]] && break
		[[ $s == relay ]] && later=1
	done
	if [[ $AGG_INTERLEAVE == 1 && $GATEWAY == 1 && $s == gateway && $later == 1 ]]; then
		RELAY_AGG_PENDING=1
		log "relay: its aggregate runs interleaved with the gateway's"
		return 0
	fi
	relay_agg_server
	aggregates relay
}

# relay_agg_server: the relay aggregate's server, with a masquerade of its own (in the gateway's
# phase the baselines' is off; the gateway's rules only match its own TUN).
relay_agg_server() {
	local ts=${ID}ra
	start "$NS_GW" relay-agg-server "$RELAY" server --tun "$ts" --listen "$GW_IP:7001" --mtu "$TUN_MTU" \
		--clients "$AGG_MAX" --subnet 10.78.5.0/24 --secret "$SECRET"
	ENDPOINTS+=("$LAST_PID")
	relay_srv=$LAST_PID relay_tuns=() relay_addrs=() relay_cli=()
	wait_for "$LOGS/relay-agg-server.log" READY 5 "$LAST_PID" || fail "relay aggregate: the server did not start"
	ip -n "$NS_GW" addr add 10.78.5.1/24 dev "$ts"
	nsx "$NS_GW" nft -f - <<-EOF
		table ip mgtrelayagg {
			chain post { type nat hook postrouting priority srcnat; ip saddr 10.78.5.0/24 oifname "vg2" masquerade; }
		}
	EOF
}
relay_connect() { # I: ToyVpn client I of the relay aggregate
	toyvpn_client "relay-agg-client$1" "${ID}r$1" "bench-relay-$1" 7001
}

# ---------- the gateway ----------
# gateway_start NAME [JVM OPTION...]: the jar in the gw ns (its own TUN mgt0 and NAT), working
# directory $OUT/NAME, output in $LOGS/NAME.log. Headless, as the systemd unit runs it (no Gogo
# shell, whose console thread would wake in the measured process); gogo() runs commands through
# its control socket. Sets GW_PID (also an endpoint); returns 1 when the tunnel does not come up.
gateway_start() {
	local name=$1 wd=$OUT/$1
	shift
	mkdir -p "$wd/conf"
	(umask 077 && printf 'key=%s\n' "$SECRET" >"$wd/conf/mobilegt.auth.cfg")
	printf '%s\n' name=mgt0 "mtu=$TUN_MTU" subnet=10.77.0.0/16 nat=true egress=vg2 persist=false "offload=$OFFLOAD" \
		"queues=$TUN_QUEUES" "allow=$INET_NET" "isolation=$ISOLATION" >"$wd/conf/mobilegt.tun.cfg" # the bench's "internet" is private: isolation stays on, with this hole
	# The bench's clients all come from one address: the per-source limits (reply budget, sessions,
	# new leases) are lifted so that handshakes/s and memory at N clients measure capacity.
	printf '%s\n' "bind=$GW_IP" port=8000 "mtu=$TUN_MTU" \
		replyBytesPerSource=1073741824 replyBytesPerSecond=1073741824 "receiveOffload=$RECEIVE_OFFLOAD" "uplinks=$UPLINKS" >"$wd/conf/mobilegt.tunnel.cfg"
	printf '%s\n' "idleTimeoutSeconds=$IDLE_TIMEOUT" maxSessionsPerSource=0 maxNewLeasesPerSourcePerMinute=0 \
		>"$wd/conf/mobilegt.sessions.cfg"
	# under /run, not $wd: a Unix socket's path has 107 bytes, and the gateway binds it one level deeper
	GW_SOCK=/run/mgt-$ID-$name.sock GW_LOG=$LOGS/$name.log
	: >"$GW_LOG"
	local t0
	t0=$(date +%s%N)
	# shellcheck disable=SC2086 # GATEWAY_JVM_OPTS is a list of options
	(cd "$wd" && exec ip netns exec "$NS_GW" $(pin "$NS_GW") "$GATEWAY_JAVA" $GATEWAY_JVM_OPTS "$@" \
		-Dmobilegt.console=headless -Dmobilegt.control="$GW_SOCK" -jar "$GATEWAY_JAR" </dev/null) >>"$GW_LOG" 2>&1 &
	GW_PID=$!
	PIDS+=("$GW_PID")
	ENDPOINTS+=("$GW_PID")
	wait_for "$GW_LOG" "Tunnel serving" 40 "$GW_PID" ||
		return 1
	# from the launch to "Tunnel serving" (to 0.1 s: wait_for's poll) and the RSS idle 2 s later
	record "$name" 1 start_ms $((($(date +%s%N) - t0) / 1000000))
	sleep 2
	record "$name" 1 rss_kb_idle "$(awk '/^VmRSS:/ {print $2}' "/proc/$GW_PID/status")"
	# ip netns exec and taskset exec: the PID is the JVM's, whose /proc stat covers all its threads.
	[[ $(cat "/proc/$GW_PID/comm" 2>/dev/null) == java ]] || fail "gateway PID $GW_PID is not the JVM"
}

gateway_stop() {
	[[ -n $GW_PID ]] || return 0
	stop_pid "$GW_PID"
	GW_PID="" GW_SOCK=""
}

# gogo CMD: one Gogo command line in the gateway, through its control socket (the operator's
# `mobilegt` CLI); prints its output, fails when the command failed (20 s limit)
gogo() {
	local words
	read -r -a words <<<"$1" # the CLI quotes each argument as one Gogo word
	kill -0 "$GW_PID" 2>/dev/null || return 1
	timeout 20 python3 "$ROOT/scripts/mobilegt" --socket "$GW_SOCK" "${words[@]}"
}

# gw_stats FILE: vpn:stats --json into FILE; prints its figures as "name value" lines
gw_stats() {
	gogo "vpn:stats --json" >"$1" && python3 "$BENCH/stats.py" gwstats "$1"
}

# gateway_client LOGNAME TUN ID: a C relay ToyVpn client of the gateway in the phone ns; on success
# its leased address is on TUN and in CLIENT_ADDR.
gateway_client() { toyvpn_client "$@" 8000; }

# toyvpn_client LOGNAME TUN ID PORT: the same for the ToyVpn server on GW_IP:PORT (also sets
# CLIENT_TUN; LAST_PID is the client's).
toyvpn_client() {
	local name=$1 tun=$2 id=$3 port=$4
	start "$NS_PH" "$name" "$RELAY" client --tun "$tun" --server "$GW_IP:$port" \
		--secret "$SECRET" --id "$id" --timeout-ms 2000 --mtu "$TUN_MTU"
	ENDPOINTS+=("$LAST_PID")
	wait_for "$LOGS/$name.log" "^CONFIG " 10 "$LAST_PID" || return 1
	CLIENT_ADDR=$(sed -n 's/^CONFIG .* address=\([0-9.]*\)\/.*/\1/p' "$LOGS/$name.log" | head -1)
	[[ -n $CLIENT_ADDR ]] || return 1
	CLIENT_TUN=$tun
	ip -n "$NS_PH" addr add "$CLIENT_ADDR/32" dev "$tun"
	CLIENT_ADDR6=$(sed -n 's/^CONFIG .* address6=\([0-9a-f:]*\)\/.*/\1/p' "$LOGS/$name.log" | head -1)
	if [[ -n $CLIENT_ADDR6 ]]; then
		ip -n "$NS_PH" -6 addr add "$CLIENT_ADDR6/128" dev "$tun" nodad
	fi
}

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
	command -v "$GATEWAY_JAVA" >/dev/null || { skip "no $GATEWAY_JAVA on PATH"; return 0; }
	baseline_nat off
	if ! gateway_start gateway; then
		skip "no 'Tunnel serving' within 40 s (see $GW_LOG)"
		return 0
	fi
	if ! gateway_client gateway-client "${ID}gc" bench-phone; then
		skip "the ToyVpn handshake failed (see $LOGS/gateway-client.log)"
		return 0
	fi
	route_inet_via "${ID}gc" "$CLIENT_ADDR"
	if [[ -n $CLIENT_ADDR6 ]]; then route_inet6_via "${ID}gc" "$CLIENT_ADDR6"; fi
}

# The gateway-only figures, after the data-path repetitions on the same gateway run.
gateway_extras() {
	local f
	f=$(gw_stats "$LOGS/gateway-stats.json") || log "gateway: no vpn:stats --json output (see $GW_LOG)"
	record_lines gateway 1 "$(grep '^proc_' <<<"$f")"
	log "gateway processing time p50/p99/p99.9 µs: $(awk '$1 ~ /^proc_.*_p(50|99|999)_us$/ {d = $1
		sub(/^proc_/, "", d); sub(/_p[0-9]+_us$/, "", d); v[d] = v[d] (v[d] == "" ? "" : "/") $2}
		END {for (d in v) printf "%s %s  ", d, v[d]}' <<<"$f")"
	gateway_rss
	gateway_handshakes
	gateway_aggregate
	gateway_stop
	stop_endpoints
	gateway_alloc
}

# RSS of the JVM with 1, 100, 1000 (RSS_CLIENTS) connected clients: the data client, then
# handshake-only clients with distinct ids and source ports up to each count (their sessions last
# IDLE_TIMEOUT). VmRSS and VmHWM are read right after vpn:stats confirms the session count.
gateway_rss() {
	local n have=1 first=$HS_NEXT_PORT f sessions rss hwm heap
	for n in $RSS_CLIENTS; do
		if ((n > have)); then
			nsx "$NS_PH" "$RELAY" handshakes --server "$GW_IP:8000" --secret "$SECRET" --clients $((n - have)) \
				--id-prefix "bench-rss$n-" --first-port "$first" --parallel 64 --max-seconds 60 \
				>"$LOGS/gateway-rss-$n.log" 2>&1 || log "gateway RSS: handshakes failed: $(head -1 "$LOGS/gateway-rss-$n.log")"
			first=$((first + n - have))
			have=$n
			f=$(grep '^RESULT ' "$LOGS/gateway-rss-$n.log") &&
				record gateway 1 "rss_hs_failed_at_$n" $(($(kv failed "$f") + $(kv unfinished "$f")))
		fi
		f=$(gw_stats "$LOGS/gateway-stats-$n.json") || true
		rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$GW_PID/status")
		hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$GW_PID/status")
		heap=$(timeout 20 jcmd "$GW_PID" GC.heap_info 2>/dev/null | sed -n 's/.* heap .*used \([0-9]*\)K.*/\1/p' | head -1)
		sessions=$(awk '$1 == "sessions" {print $2}' <<<"$f")
		record gateway 1 "rss_kb_at_$n" "$rss"
		record gateway 1 "hwm_kb_at_$n" "$hwm"
		record gateway 1 "heap_used_kb_at_$n" "${heap:-nan}"
		record gateway 1 "sessions_at_$n" "${sessions:-nan}"
		log "gateway with ${sessions:-?} sessions (wanted $n): VmRSS $((rss / 1024)) MiB, VmHWM $((hwm / 1024)) MiB, heap used ${heap:+$((heap / 1024)) MiB}"
		[[ ${sessions:-} == "$n" ]] || log "gateway RSS: WARNING: $sessions sessions instead of $n"
	done
	HS_NEXT_PORT=$first
}

# The gateway-only figure: handshakes/s from many UDP source ports (after the RSS steps, so with
# their sessions still open), after HANDSHAKE_WARMUP handshakes whose rate is recorded as the cold
# figure (source ports after the RSS steps' from 40000, clear of the measured ones from 20000).
gateway_handshakes() {
	if ((HANDSHAKE_WARMUP > 0)); then
		((HS_NEXT_PORT + HANDSHAKE_WARMUP <= 65536)) ||
			fail "HANDSHAKE_WARMUP=$HANDSHAKE_WARMUP: its source ports from $HS_NEXT_PORT (after the RSS steps) pass 65535"
		handshake_run hs_cold bench-hswarm- "$HANDSHAKE_WARMUP" --first-port "$HS_NEXT_PORT"
		sleep 3 # the warm-up's session events, connection log lines and lease writes follow its handshakes
	fi
	handshake_run hs bench-hs- "$HANDSHAKES"
}

# handshake_run PREFIX ID_PREFIX COUNT [OPTION...]: COUNT handshakes; records PREFIX_per_s, _failed, _p99_ms
handshake_run() {
	local prefix=$1 ids=$2 count=$3 out result
	shift 3
	out=$(nsx "$NS_PH" "$RELAY" handshakes --server "$GW_IP:8000" --secret "$SECRET" \
		--clients "$count" --id-prefix "$ids" --parallel 64 --max-seconds 60 "$@" 2>&1) || true
	echo "$out" >"$LOGS/gateway-$prefix.log"
	log "gateway $prefix: $(head -1 <<<"$out")"
	result=$(grep '^RESULT ' <<<"$out") || return 0
	record gateway 1 "${prefix}_per_s" "$(kv rate "$result")"
	record gateway 1 "${prefix}_failed" $(($(kv failed "$result") + $(kv unfinished "$result")))
	record gateway 1 "${prefix}_p99_ms" "$(kv p99_ms "$result")"
}

# Aggregate packets/s: N ToyVpn clients for each N in AGG_SIZES (one fleet process and TUN for all, or
# one each: AGG_PROCESSES), `relay blast` with one 64-byte flow per client, BLAST_PPS in total. Policy routing sends what a flow sends from
# its client's address out of its client's TUN. (iperf3 cannot do this: a stream's UDP set-up
# datagram is lost on a tunnel the other streams already overload, and the stream hangs.)
gateway_aggregate() {
	local pid
	gateway_tuns=() gateway_addrs=() gateway_srv=$GW_PID gateway_cli=()
	if [[ $AGG_PROCESSES == each ]]; then # the data client is client 1
		gateway_tuns=("${ID}gc") gateway_addrs=("$CLIENT_ADDR")
		for pid in "${ENDPOINTS[@]}"; do [[ $pid == "$GW_PID" ]] || gateway_cli+=("$pid"); done
	fi
	if ((RELAY_AGG_PENDING)); then
		RELAY_AGG_PENDING=0
		relay_agg_server
		paired_pings relay gateway
		aggregates relay gateway
	else
		aggregates gateway
	fi
}
gateway_connect() { gateway_client "gateway-client$1" "${ID}g$1" "bench-phone-$1"; }

# paired_pings SYSTEM...: the idle RTT through each SYSTEM's aggregate client 1, all in one window:
# PAIR_PINGS round trips per system and repetition in PAIR_BLOCKS blocks, the systems taking turns
# block by block (who goes first alternates), so that a change of load on the box hits them alike.
# Test ping's figures come from phases minutes apart. Records rtt_pair_med_ms and rtt_pair_p99_ms.
paired_pings() {
	[[ " $TESTS " == *" ping "* ]] && ((PAIR_PINGS > 0)) || return 0
	local systems=("$@") k rep b p99 med
	for k in "${!systems[@]}"; do agg_connect "${systems[k]}" 1 $((200 + 100 * k)) || return 0; done
	for k in "${!systems[@]}"; do pair_block "${systems[k]}" warm 100; done
	log "paired pings: ${systems[*]} taking turns, $PAIR_PINGS each in $PAIR_BLOCKS blocks, $REPS repetitions"
	for ((rep = 1; rep <= REPS; rep++)); do
		for ((b = 0; b < PAIR_BLOCKS; b++)); do
			for k in "${!systems[@]}"; do
				((b % 2)) && k=$((${#systems[@]} - 1 - k))
				pair_block "${systems[k]}" "$rep" $((PAIR_PINGS / PAIR_BLOCKS))
			done
		done
		for k in "${!systems[@]}"; do
			read -r _ p99 _ _ med < <(python3 "$BENCH/stats.py" ping "$LOGS/${systems[k]}-pair-ping-$rep.txt")
			record "${systems[k]}" "$rep" rtt_pair_med_ms "$med"
			record "${systems[k]}" "$rep" rtt_pair_p99_ms "$p99"
		done
	done
	if ((LEGS)); then pair_legs "${systems[@]}"; fi # not `&&`: with LEGS=0 the function would fail
}

# pair_legs SYSTEM...: one more round of paired pings, every ICMP echo and ToyVpn datagram captured on
# each interface of the phone and gw namespaces; bench/legs.py splits the round trips into legs
# (legs_*_us). The captures are deleted once read.
pair_legs() {
	local systems=("$@") dir=$OUT/legs ns i k b cap=() sys m v
	mkdir -p "$dir"
	for ns in "$NS_PH" "$NS_GW"; do
		for i in $(ip -n "$ns" -o link show | awk -F': ' '{sub(/@.*/, "", $2); print $2}'); do
			[[ $i == lo ]] && continue
			ip netns exec "$ns" tcpdump -q -n -i "$i" --time-stamp-precision=nano -B 8192 \
				-w "$dir/${ns##*-}-$i.pcap" 'icmp or udp port 7001 or udp port 8000' 2>>"$LOGS/legs-tcpdump.log" &
			cap+=($!) PIDS+=($!)
		done
	done
	sleep 1 # tcpdump is listening
	for ((b = 0; b < PAIR_BLOCKS; b++)); do
		for k in "${!systems[@]}"; do
			((b % 2)) && k=$((${#systems[@]} - 1 - k))
			pair_block "${systems[k]}" legs $((PAIR_PINGS / PAIR_BLOCKS))
		done
	done
	for i in "${cap[@]}"; do stop_pid "$i"; done
	python3 "$BENCH/legs.py" "$dir" | while read -r v; do log "legs (us): $v"; done
	while read -r sys m v; do
		[[ -z $sys ]] || record "$sys" 1 "$m" "$v"
	done < <(python3 "$BENCH/legs.py" "$dir" -)
	rm -f "$dir"/*.pcap
}

pair_block() { # SYSTEM REP COUNT: COUNT pings from SYSTEM's aggregate client 1, appended to its log
	local -n addrs=${1}_addrs
	idle_pings "$3" "$LOGS/$1-pair-ping-$2.txt" -I "${addrs[0]}"
}

# aggregates SYSTEM...: their aggregates for each N in AGG_SIZES, the repetitions interleaved
# (repetition 1 of each system, then 2, ...). `SYSTEM_connect I` connects client I (sets CLIENT_TUN,
# CLIENT_ADDR, LAST_PID); a system whose client fails to connect drops out.
aggregates() {
	local systems=("$@") n k rep
	for n in $(printf '%s\n' $AGG_SIZES | sort -n); do
		((n > 1)) || continue
		for k in "${!systems[@]}"; do
			agg_connect "${systems[k]}" "$n" $((200 + 100 * k)) || unset 'systems[k]'
		done
		((${#systems[@]})) || break
		for ((rep = 1; rep <= REPS; rep++)); do
			for k in "${!systems[@]}"; do aggregate_rep "${systems[k]}" "$n" "$rep"; done
		done
	done
	for k in "${!systems[@]}"; do agg_unroute "${systems[k]}" $((200 + 100 * k)); done
	nsx "$NS_GW" nft delete table ip mgtrelayagg 2>/dev/null || true
}

# agg_connect SYSTEM N TABLE: SYSTEM's first N clients up, each routed by source address (ip rule
# from its address to table TABLE+i) through its TUN, and answering a ping through it.
agg_connect() {
	local sys=$1 n=$2 table=$3 i
	local -n tuns=${sys}_tuns addrs=${sys}_addrs cli=${sys}_cli
	if [[ $AGG_PROCESSES == one && ${#tuns[@]} == 0 ]] && ! agg_fleet "$sys"; then
		log "$sys aggregate: its $AGG_MAX clients did not connect (see $LOGS/$sys-agg-fleet.log)"
		return 1
	fi
	for ((i = ${#tuns[@]} + 1; i <= n; i++)); do
		if ! "${sys}_connect" "$i"; then
			log "$sys aggregate: client $i did not connect (see $LOGS)"
			agg_unroute "$sys" "$table"
			return 1
		fi
		tuns+=("$CLIENT_TUN") addrs+=("$CLIENT_ADDR") cli+=("$LAST_PID")
	done
	for ((i = 0; i < n; i++)); do
		ip -n "$NS_PH" route replace "$INET_NET" dev "${tuns[i]}" src "${addrs[i]}" table $((table + i))
		ip -n "$NS_PH" rule del from "${addrs[i]}" lookup $((table + i)) 2>/dev/null || true
		ip -n "$NS_PH" rule add from "${addrs[i]}" lookup $((table + i))
		nsx "$NS_PH" ip route get "$INET_IP" from "${addrs[i]}" | grep -q "dev ${tuns[i]} " ||
			fail "$sys aggregate: $INET_IP from ${addrs[i]} is not routed through ${tuns[i]}"
		# both ways: the reply finds its client by its destination address
		nsx "$NS_PH" ping -n -c 3 -i 0.2 -W 2 -I "${addrs[i]}" "$INET_IP" >"$LOGS/$sys-agg-ping$((i + 1)).txt" 2>&1 ||
			fail "$sys aggregate: no ping reply through ${tuns[i]} (see $LOGS/$sys-agg-ping$((i + 1)).txt)"
	done
}

# agg_fleet SYSTEM: one `relay client --clients AGG_MAX` for all of SYSTEM's aggregate clients
# (AGG_PROCESSES=one), their addresses on its one TUN.
agg_fleet() {
	local sys=$1 name=$1-agg-fleet tun=${ID}${1:0:1}f port=8000 a
	local -n tuns=${sys}_tuns addrs=${sys}_addrs cli=${sys}_cli
	[[ $sys == relay ]] && port=7001
	start "$NS_PH" "$name" "$RELAY" client --clients "$AGG_MAX" --tun "$tun" --server "$GW_IP:$port" \
		--secret "$SECRET" --id "bench-$sys-fleet" --timeout-ms 2000 --mtu "$TUN_MTU"
	ENDPOINTS+=("$LAST_PID")
	cli=("$LAST_PID")
	wait_for "$LOGS/$name.log" "^CONFIG client=$AGG_MAX " 30 "$LAST_PID" || return 1
	for a in $(sed -n 's/^CONFIG client=[0-9]* .* address=\([0-9.]*\)\/.*/\1/p' "$LOGS/$name.log"); do
		ip -n "$NS_PH" addr add "$a/32" dev "$tun"
		tuns+=("$tun") addrs+=("$a")
	done
	((${#addrs[@]} == AGG_MAX))
}

agg_unroute() { # SYSTEM TABLE: removes the rules agg_connect added
	local -n addrs=${1}_addrs
	local i
	for ((i = 0; i < ${#addrs[@]}; i++)); do
		ip -n "$NS_PH" rule del from "${addrs[i]}" lookup $(($2 + i)) 2>/dev/null || true
	done
}

tun_tx() { # TUN: the packets the phone ns sent into it, also those it dropped
	echo $(($(nsx "$NS_PH" cat "/sys/class/net/$1/statistics/tx_packets") + $(nsx "$NS_PH" cat "/sys/class/net/$1/statistics/tx_dropped")))
}

# aggregate_rep SYSTEM N REP: one blast, one flow from each of SYSTEM's first N clients; metrics
# agg_* for 4 clients (the issue's goal), agg<N>_* otherwise. Besides pps and loss: the server's
# CPU per packet, and over the sending window the busy CPU of the whole box (/proc/stat: user +
# nice + system + irq + softirq of all CPUs) and of the server, the ToyVpn clients and the blast
# process, each as % of all the box's cores: near 100 % the box, not the tunnel, is the limit.
aggregate_rep() {
	local sys=$1 n=$2 rep=$3 i prefix=agg c0 c1 tx1 f name=$1-agg$2-$3
	local -A tx0=() want=()
	local -n tuns=${sys}_tuns addrs=${sys}_addrs srv=${sys}_srv cli=${sys}_cli
	((n == 4)) || prefix=agg$n
	AGG_SRV=("$srv") AGG_CLI=("${cli[@]}")
	log "$sys: $n clients, repetition $rep/$REPS"
	for i in $(printf '%s\n' "${tuns[@]:0:n}" | sort -u); do tx0[$i]=$(tun_tx "$i"); done
	c0=$(cpu_ticks "$srv")
	f=$(blast "$name" "$(IFS=,; echo "${addrs[*]:0:n}")") || f=""
	c1=$(cpu_ticks "$srv")
	AGG_SRV=() AGG_CLI=()
	[[ -n $f ]] || { log "$name: relay blast failed: $(tail -c 300 "$LOGS/$name.txt")"; return 0; }
	for ((i = 0; i < n; i++)); do # what each TUN was given: its flows' packets
		want[${tuns[i]}]=$((${want[${tuns[i]}]:-0} + $(awk -v k="flow$((i + 1))_sent" '$1 == k {print $2}' <<<"$f")))
	done
	for i in "${!want[@]}"; do
		tx1=$(tun_tx "$i")
		((tx1 - tx0[$i] >= want[$i] * 9 / 10)) ||
			fail "$sys aggregate: $i carried $((tx1 - tx0[$i])) of its flows' ${want[$i]} packets ($f)"
	done
	record_lines "$sys" "$rep" "$(awk -v p="$prefix" -v hz="$HZ" '$1 == "seconds" {s = $2} $1 == "sent" {t = $2} $1 == "received" {r = $2}
		$1 ~ /^flow[0-9]+_received$/ {sub("_received", "", $1); f[$1] = $2}
		$1 ~ /_ticks$/ {k[$1] = $2} $1 == "blast_cpu_s" {b = $2 * hz}
		END {
			print p "_kpps", r / s / 1000
			print p "_loss_pct", 100 * (t - r) / (t ? t : 1)
			for (x in f) print p "_" x "_kpps", f[x] / s / 1000
			a = k["box_all_ticks"] ? k["box_all_ticks"] : 1
			print p "_box_cpu_pct", 100 * k["box_busy_ticks"] / a
			print p "_srv_cpu_pct", 100 * k["srv_ticks"] / a
			print p "_clients_cpu_pct", 100 * k["clients_ticks"] / a
			print p "_blast_cpu_pct", 100 * b / a
		}' <<<"$f")"
	record "$sys" "$rep" "${prefix}_cpu_srv_us_per_pkt" "$(python3 -c "print(($c1 - $c0) / $HZ * 1e6 / max(1, $(awk '$1 == "received" {print $2}' <<<"$f")))")"
}

# Allocation check: a second gateway run with JFR (profile settings, recording "bench") and a GC
# log. After a warm-up (JIT), a steady-state window: ALLOC_SECONDS of UDP 1400-byte packets at a
# fixed rate, then ALLOC_SECONDS of one TCP stream. GC events in the window from the GC log;
# allocation samples in the window from the dumped recording, by site, per 1000 packets the
# gateway forwarded (vpn:stats, both directions).
gateway_alloc() {
	((ALLOC)) || return 0
	local wd=$OUT/gateway-jfr
	mkdir -p "$wd"
	ENDPOINTS=()
	log "gateway: allocation check (JFR, GC log)"
	if ! gateway_start gateway-jfr "-XX:StartFlightRecording=name=bench,filename=$wd/exit.jfr,settings=profile" \
		"-Xlog:gc*:file=$LOGS/gateway-jfr-gc.log"; then
		log "gateway allocation check: the JFR run did not come up (see $GW_LOG)"
	elif ! gateway_client gateway-jfr-client "${ID}gj" bench-jfr; then
		log "gateway allocation check: the handshake failed (see $LOGS/gateway-jfr-client.log)"
	else
		route_inet_via "${ID}gj" "$CLIENT_ADDR"
		reachable || fail "gateway allocation check: the inet host is not reachable through ${ID}gj"
		alloc_window "$wd"
	fi
	gateway_stop
	stop_endpoints
	[[ -s $wd/bench.jfr && -s $wd/window.txt ]] || return 0
	# --json: stack frames with class and method names; the file is large and only an input here.
	timeout 120 jfr print --json --stack-depth 64 --events jdk.ObjectAllocationSample,jdk.GarbageCollection \
		"$wd/bench.jfr" >"$wd/events.json"
	local r
	# shellcheck disable=SC2046 # window.txt: T0 T1 PACKETS GCS
	r=$(python3 "$BENCH/stats.py" alloc "$wd/events.json" $(cat "$wd/window.txt") "$OUT/alloc.txt")
	rm -f "$wd/events.json"
	record_lines gateway 1 "$r"
	log "$(head -1 "$OUT/alloc.txt")"
}

# alloc_window DIR: warm-up, then the measured window; DIR/window.txt ("T0 T1 PACKETS GCS", kept
# so that the analysis can be repeated) and the recording DIR/bench.jfr.
alloc_window() {
	local wd=$1 f0 f1 t0 t1 g0 g1 r
	IPERF_T=5 KIND=udp iperf alloc-warmup-udp -u -l $((TUN_MTU - 28)) -b "$ALLOC_UDP_RATE" -w 4M >/dev/null || true
	IPERF_T=3 KIND=tcp iperf alloc-warmup-tcp >/dev/null || true
	f0=$(gw_stats "$LOGS/gateway-jfr-stats-0.json") || fail "gateway allocation check: no vpn:stats"
	g0=$(gc_id "$LOGS/gateway-jfr-gc.log") t0=$(date +%s.%N)
	r=$(IPERF_T=$ALLOC_SECONDS KIND=udp iperf alloc-udp -u -l $((TUN_MTU - 28)) -b "$ALLOC_UDP_RATE" -w 4M) || true
	log "allocation window, UDP: $r"
	r=$(IPERF_T=$ALLOC_SECONDS KIND=tcp iperf alloc-tcp) || true
	log "allocation window, TCP: $r"
	t1=$(date +%s.%N) g1=$(gc_id "$LOGS/gateway-jfr-gc.log")
	f1=$(gw_stats "$LOGS/gateway-jfr-stats-1.json") || fail "gateway allocation check: no vpn:stats"
	echo "$t0 $t1 $(($(awk '$1 == "packets" {print $2}' <<<"$f1") - $(awk '$1 == "packets" {print $2}' <<<"$f0"))) $((g1 - g0))" \
		>"$wd/window.txt"
	timeout 60 jcmd "$GW_PID" JFR.dump name=bench "filename=$wd/bench.jfr" >"$LOGS/gateway-jfr-dump.log" 2>&1 ||
		log "gateway allocation check: JFR.dump failed (see $LOGS/gateway-jfr-dump.log)"
}

gc_id() { # the highest GC id in a -Xlog:gc* file, -1 before the first collection
	local id
	id=$(grep -o 'GC([0-9]*)' "$1" 2>/dev/null | tail -1 | tr -dc 0-9)
	echo "${id:--1}"
}

# ---------- measurements ----------
HZ=$(getconf CLK_TCK)

record() { printf '%s\t%s\t%s\t%s\n' "$@" >>"$RAW"; }

record_lines() { # SYSTEM REP LINES: one record per "metric value" line
	local sys=$1 rep=$2 m v
	while read -r m v; do
		[[ -z $m ]] || record "$sys" "$rep" "$m" "$v" # no lines (no vpn:stats) is no failure
	done <<<"$3"
}

# cpu_ticks PID...: utime+stime in clock ticks. /proc/PID/stat of a process sums all its threads,
# exited ones included. The sum is the scheduler's exact runtime (the kernel scales its tick samples
# of user and system time to it, cputime_adjust), so short bursts from idle count in full; softirq
# work done outside the process's threads (veth, TUN, UDP receive) is not in it.
cpu_ticks() {
	local pid total=0 stat
	for pid in "$@"; do
		stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
		stat=${stat##*) }
		read -r -a f <<<"$stat"
		total=$((total + f[11] + f[12]))
	done
	echo "$total"
}

# thread_ticks PID: utime+stime in clock ticks of the gateway's threads by class, "uplink downlink
# control". The kernel's thread names are the Java names cut to 15 characters (tunnel.udp's Pumps,
# Control): mobilegt-uplink, mobilegt-downli(nk-Q), mobilegt-contro(l-N) and mobilegt-replie(s-N).
# gateway.app's control socket threads share the "mobilegt-contro" prefix; idle in the test.
thread_ticks() {
	local task comm stat t up=0 down=0 ctl=0
	for task in /proc/"$1"/task/*; do
		comm=$(cat "$task/comm" 2>/dev/null) && stat=$(cat "$task/stat" 2>/dev/null) || continue
		stat=${stat##*) }
		read -r -a f <<<"$stat"
		t=$((f[11] + f[12]))
		case $comm in
		mobilegt-uplink*) up=$((up + t)) ;;
		mobilegt-downli*) down=$((down + t)) ;;
		mobilegt-contro* | mobilegt-replie*) ctl=$((ctl + t)) ;;
		esac
	done
	echo "$up $down $ctl"
}

# box_ticks: "BUSY ALL" clock ticks of all CPUs since boot (/proc/stat, line cpu): busy = user +
# nice + system + irq + softirq; all = those + idle + iowait + steal (guest time is inside user).
box_ticks() { awk '$1 == "cpu" {print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }

# softirq_ticks: the whole box's softirq time in clock ticks (/proc/stat, line cpu, 7th value): the
# kernel's veth, TUN, NAT and UDP receive work, mostly outside the endpoints' own time. Other load
# on the box counts too. With tick accounting and no IRQ_TIME_ACCOUNTING (machine.txt), a softirq
# tick also counts for the task it interrupted: softirq run in a tunnel thread's syscall is in both.
softirq_ticks() { awk '$1 == "cpu" {print $8}' /proc/stat; }

per_pkt() { python3 -c "print($1 / $HZ * 1e6 / max(1, $2))"; } # TICKS PACKETS: us per packet

rss_kb() {
	local pid total=0 kb
	for pid in "${ENDPOINTS[@]}"; do
		kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || continue
		total=$((total + ${kb:-0}))
	done
	echo "$total"
}

tx_bytes() { tx_stat tx_bytes; }
tx_stat() { nsx "$NS_PH" cat "/sys/class/net/$PH_DEV/statistics/$1"; }

# iperf NAME ARGS...: one iperf3 client run (bounded) into $LOGS/NAME.json; DURATION seconds, or
# IPERF_T seconds, or none when ARGS end the test by a packet count (-k).
iperf() {
	local name=$1 length
	shift
	length=(-t "${IPERF_T:-$DURATION}")
	[[ " $* " == *" -k "* ]] && length=()
	timeout "$IPERF_LIMIT" ip netns exec "$NS_PH" $(pin "$NS_PH") iperf3 -c "${IPERF_HOST:-$INET_IP}" "${length[@]}" \
		--connect-timeout 3000 -J "$@" >"$LOGS/$name.json" 2>"$LOGS/$name.err" || true
	python3 "$BENCH/stats.py" iperf "$LOGS/$name.json" "$KIND" 2>>"$LOGS/$name.err"
}

# cpu_iperf NAME [COUNT]: test cpu's traffic, COUNT (CPU_PACKETS) 64-byte datagrams at CPU_PPS
cpu_iperf() { KIND=udp iperf "$1" -u -l 64 -b $((CPU_PPS * 64 * 8)) -k "${2:-$CPU_PACKETS}" -w 4M; }

kv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }

measure() {
	local sys=$1 rep=$2 t r name
	for t in $TESTS; do
		name=$sys-$t-$rep
		case $t in
		ping)
			idle_pings "$PINGS" "$LOGS/$name.txt"
			read -r avg p99 loss _ med < <(python3 "$BENCH/stats.py" ping "$LOGS/$name.txt" "$PINGS")
			record "$sys" "$rep" rtt_avg_ms "$avg"
			record "$sys" "$rep" rtt_med_ms "$med"
			record "$sys" "$rep" rtt_p99_ms "$p99"
			record "$sys" "$rep" ping_loss_pct "$loss"
			;;
		tcp1)
			# One forward stream, with a ping running alongside (RTT under load) and the
			# endpoints' CPU time around it.
			local c0 c1 b0 b1 pingpid
			ip netns exec "$NS_PH" ping -n -i 0.02 -w "$DURATION" "$INET_IP" >"$LOGS/$name-ping.txt" 2>&1 &
			pingpid=$!
			c0=$(cpu_ticks "${ENDPOINTS[@]}") b0=$(tx_bytes)
			KIND=tcp r=$(iperf "$name") || { log "$name: iperf3 failed: $(tail -c 300 "$LOGS/$name.err")"; wait $pingpid || true; continue; }
			c1=$(cpu_ticks "${ENDPOINTS[@]}") b1=$(tx_bytes)
			wait $pingpid || true
			local mbps bytes
			mbps=$(kv mbps "$r") bytes=$(kv bytes "$r")
			record "$sys" "$rep" tcp1_mbps "$mbps"
			read -r avg p99 _ < <(python3 "$BENCH/stats.py" ping "$LOGS/$name-ping.txt")
			record "$sys" "$rep" rtt_load_avg_ms "$avg"
			record "$sys" "$rep" rtt_load_p99_ms "$p99"
			if ((${#ENDPOINTS[@]})); then
				record "$sys" "$rep" cpu_cores_per_gbps "$(python3 -c "print(($c1-$c0)/$HZ / ($bytes*8/1e9))")"
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
		tcp1v6 | udp64v6)
			# The same as tcp1 / udp64 with IPv6 inside the tunnel (systems that carry it).
			[[ -n $PH_DEV6 ]] || continue
			if [[ $t == tcp1v6 ]]; then
				KIND=tcp r=$(IPERF_HOST=$INET_IP6 iperf "$name" -p 5202) || { log "$name: iperf3 failed: $(tail -c 300 "$LOGS/$name.err")"; continue; }
				record "$sys" "$rep" tcp1v6_mbps "$(kv mbps "$r")"
			else
				KIND=udp r=$(IPERF_HOST=$INET_IP6 iperf "$name" -p 5202 -u -l 64 -b "$UDP64_RATE" -w 4M) || { log "$name: iperf3 failed: $(tail -c 300 "$LOGS/$name.err")"; continue; }
				record "$sys" "$rep" udp64v6_kpps "$(kv kpps "$r")"
				record "$sys" "$rep" udp64v6_loss_pct "$(kv loss_pct "$r")"
			fi
			;;
		udp64 | udpmtu)
			local len=64 rate=$UDP64_RATE c0 c1
			[[ $t == udpmtu ]] && len=$((TUN_MTU - 28)) rate=$UDPMTU_RATE
			c0=$(cpu_ticks "${ENDPOINTS[@]}")
			KIND=udp r=$(iperf "$name" -u -l "$len" -b "$rate" -w 4M) || { log "$name: iperf3 failed: $(tail -c 300 "$LOGS/$name.err")"; continue; }
			c1=$(cpu_ticks "${ENDPOINTS[@]}")
			record "$sys" "$rep" "${t}_kpps" "$(kv kpps "$r")"
			record "$sys" "$rep" "${t}_loss_pct" "$(kv loss_pct "$r")"
			if [[ $t == udp64 ]] && ((${#ENDPOINTS[@]})); then
				record "$sys" "$rep" cpu_us_per_pkt "$(python3 -c "print(($c1-$c0)/$HZ*1e6 / max(1, $(kv received "$r")))")"
			fi
			;;
		blast | imix)
			# blast: the same 64-byte flood as the gateway's aggregate, one flow: its like-for-like
			# baseline. imix: one flow of mixed sizes (relay.c), received kpps, IP Mbit/s, loss.
			local f p0 p1 opts=()
			[[ $t == imix ]] && opts=(--imix --pps "$IMIX_PPS")
			p0=$(($(tx_stat tx_packets) + $(tx_stat tx_dropped)))
			f=$(blast "$name" "$PH_SRC" "${opts[@]}") || { log "$name: relay blast failed: $(tail -c 300 "$LOGS/$name.txt")"; continue; }
			p1=$(($(tx_stat tx_packets) + $(tx_stat tx_dropped)))
			((p1 - p0 >= $(awk '$1 == "sent" {print $2}' <<<"$f") * 9 / 10)) ||
				fail "$sys: $PH_DEV carried $((p1 - p0)) packets of $(awk '$1 == "sent" {print $2}' <<<"$f") blasted"
			record "$sys" "$rep" "${t}_kpps" "$(awk '$1 == "seconds" {s = $2} $1 == "received" {r = $2} END {print r / s / 1000}' <<<"$f")"
			record "$sys" "$rep" "${t}_loss_pct" "$(awk '$1 == "sent" {s = $2} $1 == "received" {r = $2} END {print 100 * (s - r) / (s ? s : 1)}' <<<"$f")"
			if [[ $t == imix ]]; then
				record "$sys" "$rep" imix_mbps \
					"$(awk '$1 == "seconds" {s = $2} $1 == "received_ip_bytes" {b = $2} END {print b * 8 / s / 1e6}' <<<"$f")"
			fi
			;;
		cpu)
			# CPU per forwarded packet over a fixed count at a rate every tunnel carries: the
			# gw-side endpoint alone (the gateway JVM, all threads / the relay server / the
			# wireguard-go or OpenVPN server) and both endpoints (plus the phone-side client); the
			# box's softirq time over the same interval; for the gateway, its threads by class.
			((${#ENDPOINTS[@]})) || continue
			local c0 c1 s0 s1 q0 q1 th0=(0 0 0) th1=(0 0 0) received
			[[ $sys == gateway ]] && read -r -a th0 <<<"$(thread_ticks "$GW_PID")"
			c0=$(cpu_ticks "${ENDPOINTS[@]}") s0=$(cpu_ticks "${ENDPOINTS[0]}") q0=$(softirq_ticks)
			r=$(cpu_iperf "$name") || { log "$name: iperf3 failed: $(tail -c 300 "$LOGS/$name.err")"; continue; }
			c1=$(cpu_ticks "${ENDPOINTS[@]}") s1=$(cpu_ticks "${ENDPOINTS[0]}") q1=$(softirq_ticks)
			[[ $sys == gateway ]] && read -r -a th1 <<<"$(thread_ticks "$GW_PID")"
			received=$(kv received "$r")
			record "$sys" "$rep" cpu_fix_softirq_us_per_pkt "$(per_pkt $((q1 - q0)) "$received")"
			record "$sys" "$rep" cpu_fix_srv_softirq_us_per_pkt "$(per_pkt $((s1 - s0 + q1 - q0)) "$received")"
			if [[ $sys == gateway ]]; then
				local up=$((th1[0] - th0[0])) down=$((th1[1] - th0[1])) ctl=$((th1[2] - th0[2]))
				record "$sys" "$rep" cpu_fix_uplink_us_per_pkt "$(per_pkt "$up" "$received")"
				record "$sys" "$rep" cpu_fix_downlink_us_per_pkt "$(per_pkt "$down" "$received")"
				record "$sys" "$rep" cpu_fix_control_us_per_pkt "$(per_pkt "$ctl" "$received")"
				# the rest of the JVM (GC, JIT, ...; exited threads too): its total minus the classes
				record "$sys" "$rep" cpu_fix_other_us_per_pkt "$(per_pkt $((s1 - s0 - up - down - ctl)) "$received")"
			fi
			record "$sys" "$rep" cpu_fix_srv_us_per_pkt "$(python3 -c "print(($s1-$s0)/$HZ*1e6 / max(1, $received))")"
			record "$sys" "$rep" cpu_fix_us_per_pkt "$(python3 -c "print(($c1-$c0)/$HZ*1e6 / max(1, $received))")"
			record "$sys" "$rep" cpu_fix_loss_pct "$(kv loss_pct "$r")"
			;;
		*) fail "unknown test $t" ;;
		esac
	done
}

load1() { cut -d' ' -f1 /proc/loadavg; }

# warm_up: a ping flood, a second each of the cpu test's one-way UDP and of TCP both ways, and the
# flood again. The gateway's JIT compiles its packet path for the traffic it has seen; the first
# packet of another shape (a ping after one-way UDP) sends the compiled path back to profiling
# code, where a 2-second ping test then stays at 100 packets/s. After one round of each shape the
# compiled path keeps every branch, as a gateway in service has it after its clients' mixed traffic.
warm_up() {
	local flood=(nsx "$NS_PH" ping -f -q -c "$WARMUP_PINGS" -W 1 "$INET_IP")
	log "$SYS: warm-up, a flood of $WARMUP_PINGS pings, 1 s each of UDP and TCP both ways, the flood again"
	"${flood[@]}" >"$LOGS/$SYS-warmup.txt" 2>&1 || true
	cpu_iperf "$SYS-warmup-udp" "$CPU_PPS" >/dev/null || true
	KIND=tcp IPERF_T=1 iperf "$SYS-warmup-tcp" >/dev/null || true
	KIND=tcp IPERF_T=1 iperf "$SYS-warmup-tcpr" -R >/dev/null || true
	"${flood[@]}" >>"$LOGS/$SYS-warmup.txt" 2>&1 || true
}

run_system() {
	local rep load
	SYS=$1 SKIP="" ENDPOINTS=()
	load=$(load1)
	log "== $SYS (load average $load)"
	record "$SYS" 0 load_before "$load"
	"system_$SYS"
	if [[ -z $SKIP ]] && ! nsx "$NS_PH" ip route get "$INET_IP" | grep -q "dev $PH_DEV "; then
		fail "$SYS: the route to $INET_IP does not use $PH_DEV"
	fi
	if [[ -z $SKIP ]] && ! reachable; then
		skip "the inet host is not reachable through $PH_DEV"
	fi
	if [[ -z $SKIP ]]; then
		if ((WARMUP_PINGS > 0)); then warm_up; fi
		for ((rep = 1; rep <= REPS; rep++)); do
			log "$SYS: repetition $rep/$REPS"
			measure "$SYS" "$rep"
		done
		if ((PROFILE && ${#ENDPOINTS[@]})) && [[ " $TESTS " == *" cpu "* ]]; then profile_system "$SYS"; fi
		if ((${#ENDPOINTS[@]})); then record "$SYS" 1 rss_kb "$(rss_kb)"; fi
		if [[ $SYS == gateway ]]; then gateway_extras; fi
		if [[ $SYS == relay ]]; then relay_aggregate; fi
	else
		record "$SYS" 0 skipped 1
	fi
	if [[ $SYS == gateway ]]; then gateway_stop; fi
	stop_endpoints
	if [[ $SYS == gateway ]]; then baseline_nat on; fi
	if [[ $SYS == gateway ]] && ((RELAY_AGG_PENDING)); then # the gateway did not get that far
		RELAY_AGG_PENDING=0
		relay_agg_server
		aggregates relay
		stop_endpoints
	fi
	route_inet_via vp
	route_inet6_via ""
	load=$(load1)
	record "$SYS" 0 load_after "$load"
	log "$SYS done (load average $load)"
}

report() {
	REPORTED=1
	echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"
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
		echo "kernel: $(uname -r); $(. /etc/os-release && echo "$PRETTY_NAME") $(cat /etc/debian_version 2>/dev/null); memory $(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)$(lscpu 2>/dev/null | awk -F': *' '/^Hypervisor vendor/ {print "; " $2 " guest"}')"
		# tick-based accounting without IRQ time: a softirq tick also counts for the task it interrupted
		echo "kernel CPU accounting: $({ cat "/boot/config-$(uname -r)" 2>/dev/null || zcat /proc/config.gz 2>/dev/null; } |
			sed -n 's/^CONFIG_\(TICK_CPU_ACCOUNTING\|VIRT_CPU_ACCOUNTING_GEN\|IRQ_TIME_ACCOUNTING\)=y$/\1/p' | paste -sd' ')"
		echo "gcc: $(gcc --version | head -1); $(nft --version)"
		echo "iperf3: $(iperf3 --version | head -1)"
		command -v wireguard-go >/dev/null && echo "wireguard-go: $(wireguard-go --version | head -1)"
		command -v openvpn >/dev/null && echo "openvpn: $(openvpn --version | head -1)"
		[[ -f $GATEWAY_JAR ]] && echo "gateway: $GATEWAY_JAR ($(stat -c %y "$GATEWAY_JAR"))"
		command -v "$GATEWAY_JAVA" >/dev/null && echo "java: $("$GATEWAY_JAVA" -version 2>&1 | sed -n 2p)"
		echo "gateway JVM options: ${GATEWAY_JVM_OPTS:-(none)}; max heap $("$GATEWAY_JAVA" $GATEWAY_JVM_OPTS -XX:+PrintFlagsFinal -version 2>/dev/null | awk '$2 == "MaxHeapSize" {printf "%d MiB", $4 / 1048576}'), $("$GATEWAY_JAVA" $GATEWAY_JVM_OPTS -XX:+PrintFlagsFinal -version 2>/dev/null | awk '$4 == "true" && $2 ~ /^Use(Serial|Parallel|G1|Z|Shenandoah)GC$/ {print $2}')"
		echo "source: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
		echo "settings: REPS=$REPS DURATION=$DURATION TUN_MTU=$TUN_MTU UDP64_RATE=$UDP64_RATE UDPMTU_RATE=$UDPMTU_RATE PIN=${PIN:-0} OFFLOAD=$OFFLOAD ISOLATION=$ISOLATION TUN_QUEUES=$TUN_QUEUES RECEIVE_OFFLOAD=$RECEIVE_OFFLOAD UPLINKS=$UPLINKS VETH_GRO=$VETH_GRO PHONE_RS=$PHONE_RS AGG_PROCESSES=$AGG_PROCESSES smoke=$SMOKE"
		echo "          WARMUP_PINGS=$WARMUP_PINGS CPU_PACKETS=$CPU_PACKETS CPU_PPS=$CPU_PPS BLAST_PPS=$BLAST_PPS IMIX_PPS=$IMIX_PPS AGG_SIZES='$AGG_SIZES' RSS_CLIENTS='$RSS_CLIENTS' HANDSHAKES=$HANDSHAKES HANDSHAKE_WARMUP=$HANDSHAKE_WARMUP ALLOC=$ALLOC ALLOC_SECONDS=$ALLOC_SECONDS ALLOC_UDP_RATE=$ALLOC_UDP_RATE"
		echo "systems: $SYSTEMS"
		echo "tests: $TESTS"
		echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	} >"$OUT/machine.txt"
}

plot() {
	local n
	n=$(($(wc -l <"$OUT/plot.dat") - 1))
	((n > 0)) || return 0
	# the systems' rows; the aggregate rows after them ("..., N clients") only have UDP figures
	local last=$(($(grep -vc ' clients	' "$OUT/plot.dat") - 2))
	# Labels are right-aligned and rotated about their end, so each one ends under its own cluster.
	gnuplot 2>"$LOGS/gnuplot.log" <<-EOF
		set terminal pngcairo size 1600,1100 font "sans,10" noenhanced
		set output "$OUT/plot.png"
		set datafile separator "\t"
		set datafile missing "-"
		set style data histograms
		set style histogram clustered gap 1
		set style fill solid 0.8 border -1
		set key outside top center horizontal autotitle columnhead
		set grid ytics
		set xtics rotate by 25 right nomirror
		set bmargin 9
		set tmargin 5
		set multiplot layout 2,2 title "bench $(basename "$OUT"): medians of $REPS run(s), $(nproc) cores, tunnel MTU $TUN_MTU\n"
		set title "TCP throughput (Mbit/s, log scale)"
		set logscale y
		plot "$OUT/plot.dat" every ::0::$last using 2:xtic(1), '' every ::0::$last using 3, '' every ::0::$last using 4, '' every ::0::$last using 5
		unset logscale y
		set yrange [0:*]
		set title "UDP received packets/s (thousands)"
		plot "$OUT/plot.dat" using 6:xtic(1), '' using 7, '' using 8, '' using 9
		set title "RTT added to direct routing (ms, lower is better)"
		set yrange [*:*]
		plot "$OUT/plot.dat" every ::0::$last using 10:xtic(1), '' every ::0::$last using 11, '' every ::0::$last using 14, '' every ::0::$last using 15
		set title "CPU per packet, UDP 64 B at a fixed rate (us, lower is better)"
		set yrange [0:*]
		plot "$OUT/plot.dat" every ::0::$last using 12:xtic(1), '' every ::0::$last using 13
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
	done
	for s in $SYSTEMS; do run_system "$s"; done
	report
	((SMOKE)) && smoke_check
	return 0
}

# Smoke: every tunnel asked for must have carried traffic in every test that ran (and the gateway
# must have answered every handshake and its console); anything else is real breakage.
smoke_check() {
	local s t need specs=()
	for s in $SYSTEMS; do
		[[ $s == direct || ($s == gateway && $GATEWAY == 0) ]] && continue
		need=""
		for t in $TESTS; do
			[[ $t == *v6 && $s != relay* && $s != gateway ]] && continue # only these carry IPv6 here
			case $t in
			ping) need+=rtt_avg_ms, ;;
			udp64 | udpmtu | blast | imix | udp64v6) need+=${t}_kpps, ;;
			cpu) need+=cpu_fix_us_per_pkt, ;;
			*) need+=${t}_mbps, ;;
			esac
		done
		if [[ $s == gateway ]]; then
			need+=hs_per_s,hs_failed=0,proc_from_client_samples,proc_to_client_samples,
			for t in $RSS_CLIENTS; do need+=sessions_at_$t=$t,; done
		fi
		if [[ $s == gateway || $s == relay ]]; then # both have an aggregate
			local n prefix
			for n in $AGG_SIZES; do
				((n > 1)) || continue
				prefix=agg
				((n == 4)) || prefix=agg$n
				for ((t = 1; t <= n; t++)); do need+=${prefix}_flow${t}_kpps,; done
			done
		fi
		specs+=("$s:${need%,}")
	done
	python3 "$BENCH/stats.py" check "$RAW" "${specs[@]}" || fail "smoke: see above"
	log "smoke: every tunnel passed traffic"
}

main
exit # nothing after this line is read: editing the script while it runs stays harmless

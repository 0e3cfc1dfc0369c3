#!/usr/bin/env bash
# Handshakes/s by authenticator: the shared key, per-client keys (mobilegt.auth clients file) and
# RADIUS (a FreeRADIUS with the files module, PAP, in the gateway's namespace on loopback).
#
#   sudo bench/auth.sh          N=10000 handshakes per run, REPS=3 runs per authenticator
#
# Topology: a phone and a gw namespace joined by a veth, names mgt-auth-<pid>-*, removed on exit.
# `relay handshakes` sends N handshakes from N source ports (64 in flight) with distinct ids; the
# figure is its RESULT rate. Results in bench/out/auth-<timestamp>/.
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
N=${N:-10000}
REPS=${REPS:-3}
JAR=${GATEWAY_JAR:-$ROOT/gateway.app/target/gateway.jar}
ID=mgt-auth-$$
PH=$ID-ph GW=$ID-gw
PH_IP=172.30.99.2 GW_IP=172.30.99.1
OUT=$BENCH/out/auth-$(date +%Y%m%d-%H%M%S)
RELAY=$BENCH/out/relay
PIDS=()

[[ $(id -u) == 0 ]] || { echo "run as root (network namespaces)" >&2; exit 1; }
command -v freeradius >/dev/null || { echo "needs Debian freeradius" >&2; exit 1; }
make -s -C "$BENCH" out/relay
mkdir -p "$OUT"

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	ip netns del "$PH" 2>/dev/null || true
	ip netns del "$GW" 2>/dev/null || true
}
trap cleanup EXIT

ip netns add "$PH"
ip netns add "$GW"
ip -n "$PH" link set lo up
ip -n "$GW" link set lo up
ip -n "$PH" link add vp type veth peer name vg netns "$GW"
ip -n "$PH" addr add "$PH_IP/24" dev vp
ip -n "$GW" addr add "$GW_IP/24" dev vg
ip -n "$PH" link set vp up
ip -n "$GW" link set vg up

# the ids, keys and RADIUS users of the N clients
python3 - "$OUT" "$N" <<'PY'
import base64, hmac, hashlib, os, sys, time
out, n = sys.argv[1], int(sys.argv[2])
now = int(time.time())
with open(f"{out}/own-keys", "w") as keys, open(f"{out}/clients", "w") as clients, open(f"{out}/users", "w") as users:
    for i in range(n):
        key = base64.urlsafe_b64encode(os.urandom(18)).decode()
        salt = os.urandom(16)
        digest = hmac.new(salt, key.encode(), hashlib.sha256).digest()
        keys.write(key + "\n")
        clients.write(f"{base64.b64encode(salt).decode()} {base64.b64encode(digest).decode()} {now} hs-{i}\n")
        users.write(f'hs-{i} Cleartext-Password := "{key}"\n')
PY
chmod 600 "$OUT/clients"

# gateway NAME: the jar in the gw ns, headless, working in $OUT/NAME (conf written by the caller)
gateway() {
	local wd=$OUT/$1
	printf '%s\n' name=mgt0 subnet=10.77.0.0/16 nat=false persist=false >"$wd/conf/mobilegt.tun.cfg"
	printf '%s\n' "bind=$GW_IP" port=8000 replyBytesPerSource=1073741824 \
		replyBytesPerSecond=1073741824 >"$wd/conf/mobilegt.tunnel.cfg"
	printf '%s\n' idleTimeoutSeconds=900 maxSessionsPerSource=0 maxNewLeasesPerSourcePerMinute=0 >"$wd/conf/mobilegt.sessions.cfg"
	(cd "$wd" && exec ip netns exec "$GW" java -Dmobilegt.console=headless -jar "$JAR") >"$wd/gateway.log" 2>&1 &
	GW_PID=$!
	PIDS+=("$GW_PID")
	for _ in $(seq 400); do grep -q "Tunnel serving" "$wd/gateway.log" && return 0; sleep 0.1; done
	echo "gateway $1 did not start (see $wd/gateway.log)" >&2
	exit 1
}

# measure NAME [relay options]: REPS runs of N handshakes, one RESULT line each. The ids are the
# same in every run (each has its key): from run 2 on, each handshake moves a known id to a new port.
measure() {
	local name=$1 rep
	shift
	for ((rep = 1; rep <= REPS; rep++)); do
		ip netns exec "$PH" "$RELAY" handshakes --server "$GW_IP:8000" --clients "$N" --parallel 64 \
			--max-seconds 120 --first-port $((20000 + (rep % 2) * 20000)) "$@" | tee -a "$OUT/$name.txt" | grep '^RESULT' |
			sed "s/^/$name run $rep: /"
	done
}

stop_gateway() {
	kill "$GW_PID"
	wait "$GW_PID" 2>/dev/null || true
}

# 1. the shared key
mkdir -p "$OUT/shared/conf"
printf 'key=bench-shared\n' >"$OUT/shared/conf/mobilegt.auth.cfg"
gateway shared
measure shared --secret bench-shared --id-prefix hs-
stop_gateway

# 2. per-client keys, the shared key off
mkdir -p "$OUT/own/conf"
printf 'key=\n' >"$OUT/own/conf/mobilegt.auth.cfg"
cp -p "$OUT/clients" "$OUT/own/conf/clients"
gateway own
measure own-keys --secret unused --keys "$OUT/own-keys" --id-prefix hs-
stop_gateway

# 3. RADIUS: FreeRADIUS (files + PAP) in the gw ns on loopback, accounting off (authentication only)
RADDB=$OUT/raddb
mkdir -p "$RADDB/log" "$RADDB/run" "$RADDB/radacct"
cp "$OUT/users" "$RADDB/users"
sed "s|DIR|$RADDB|g" "$BENCH/radiusd.conf" >"$RADDB/radiusd.conf"
ip netns exec "$GW" freeradius -f -l "$RADDB/radiusd.log" -d "$RADDB" &
PIDS+=("$!")
for _ in $(seq 200); do grep -q "Ready to process requests" "$RADDB/radiusd.log" 2>/dev/null && break; sleep 0.1; done
mkdir -p "$OUT/radius/conf"
printf 'key=\n' >"$OUT/radius/conf/mobilegt.auth.cfg"
printf '%s\n' servers=127.0.0.1:1812 secret=bench-radius accounting=false workers=32 queue=4096 timeoutMillis=2000 \
	>"$OUT/radius/conf/mobilegt.radius.cfg"
gateway radius
measure radius --secret unused --keys "$OUT/own-keys" --id-prefix hs-
stop_gateway
echo "results in $OUT"

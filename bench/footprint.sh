#!/usr/bin/env bash
# Footprint of the gateway: the embedded-box JVM profile (the -X options of the systemd unit's
# ExecStart, also used by scripts/run.sh) side by side with the JVM's defaults, in one run. For
# each profile bench/run.sh runs the gateway alone (SYSTEMS=gateway), headless as the unit runs
# it: time from launch to "Tunnel serving", RSS idle, with 1 and with 1,000 clients (their
# handshakes' failures counted), TCP
# throughput and UDP 64-byte pps, and both tunnel ends' CPU per Gbit/s and per packet in those.
#
#   sudo bench/footprint.sh        (~3 min on 2 cores; REPS, DURATION as in bench/run.sh)
#
# `bench/footprint.sh --table DEFAULT_RAW SMALL_RAW` prints the table of an earlier run's raw.tsv.
# Prints a table (also bench/out/footprint-<time>.txt) with each figure of the small profile as a
# ratio of the default's. Build the jar first (mvn -B package -DskipTests).
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
UNIT=$ROOT/gateway.deb/src/deb/systemd/mobilegt.service
SMALL=${SMALL:-$(sed -n 's/^ExecStart=//p' "$UNIT" | tr ' ' '\n' | grep '^-X' | tr '\n' ' ')}
[[ -n $SMALL ]] || { echo "no -X options in the ExecStart of $UNIT" >&2; exit 1; }
# and the unit's Environment= (MALLOC_ARENA_MAX) for the small profile's run
SMALL_ENV=${SMALL_ENV-$(sed -n 's/^Environment=//p' "$UNIT" | tr '\n' ' ')}
export REPS=${REPS:-3} DURATION=${DURATION:-5}
OUT=$BENCH/out/footprint-$(date +%Y%m%d-%H%M%S).txt
mkdir -p "$BENCH/out"

declare -A RAW
if [[ ${1:-} == --table ]]; then # --table DEFAULT_RAW SMALL_RAW: the table of an earlier run again
	RAW[default]=$2 RAW[small]=$3
	OUT=/dev/null
fi
for profile in default small; do
	[[ -n ${RAW[$profile]:-} ]] && continue
	opts="" envs=""
	[[ $profile == small ]] && opts=$SMALL envs=$SMALL_ENV
	echo "[footprint] $profile profile: ${envs}${opts:-(JVM defaults)}" >&2
	# shellcheck disable=SC2086 # a list of NAME=value
	env $envs SYSTEMS=gateway TESTS="tcp1 udp64" RSS_CLIENTS="1 1000" HANDSHAKES=1000 HANDSHAKE_WARMUP=0 AGG_CLIENTS=1 ALLOC=0 \
		GATEWAY_JVM_OPTS="$opts" "$BENCH/run.sh" >&2
	RAW[$profile]=$(readlink -f "$BENCH/out/latest")/raw.tsv
done

# median of one metric of the gateway over its repetitions (RAW FILE, METRIC)
median() {
	awk -F'\t' -v m="$2" '$1 == "gateway" && $3 == m && $4 != "nan" {print $4}' "$1" | sort -g |
		awk '{v[NR] = $1} END {if (!NR) print "nan"; else printf "%.6g\n", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'
}

{
	echo "JVM: $(java -version 2>&1 | head -1); $(nproc) cores; REPS=$REPS DURATION=$DURATION s"
	echo "small profile: $SMALL_ENV$SMALL"
	printf '%-28s %12s %12s %8s\n' figure default small ratio
	# cpu_*: CPU time of both tunnel ends (the JVM and the C client) per Gbit/s (tcp1) and per
	# packet (udp64), which the load of other processes changes less than the rates themselves
	for m in start_ms rss_kb_idle rss_kb_at_1 rss_hs_failed_at_1000 rss_kb_at_1000 hwm_kb_at_1000 tcp1_mbps udp64_kpps \
		cpu_cores_per_gbps cpu_us_per_pkt; do
		d=$(median "${RAW[default]}" "$m") s=$(median "${RAW[small]}" "$m")
		printf '%-28s %12s %12s %8s\n' "$m" "$d" "$s" "$(awk -v d="$d" -v s="$s" 'BEGIN {if (d + 0 > 0) printf "%.2f", s / d; else print "-"}')"
	done
	echo "raw: ${RAW[default]} ${RAW[small]}"
} | tee "$OUT"

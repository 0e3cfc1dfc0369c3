# shellcheck shell=bash
# Sourced by run.sh. profile_system SYS: where the gw-side endpoint's time goes, with perf, after
# the repetitions (so the medians stay unprofiled): one more fixed-count run of test `cpu` under
# `perf stat --per-thread` and `perf record`, then PROFILE_PINGS pings under both. Writes
# $OUT/profile/SYS.txt (per thread: CPU, system calls and context switches per packet and per round
# trip; the samples by object and the top symbols), then PROFILE_PINGS more under a trace of every
# wake-up and system call (bench/trip.py: the round trip's steps), and records prof_* and trip_*
# metrics (report: "Profile").
# Its CPU figures include what the recording costs in the process (samples with call graphs, a
# tracepoint per system call): a breakdown; the repetitions' /proc figures are the clean totals.

PROFILE_PINGS=${PROFILE_PINGS:-500}

profile_system() {
	local sys=$1 pid=${ENDPOINTS[0]} dir=$OUT/profile r received tids
	mkdir -p "$dir"
	perf_attach "$pid" "$dir/$sys" "$dir/$sys-cpu.csv"
	r=$(cpu_iperf "profile-$sys-cpu") || true
	perf_detach
	received=$(kv received "$r")
	perf_attach "$pid" "$dir/$sys-ping" "$dir/$sys-ping.csv"
	idle_pings "$PROFILE_PINGS" "$LOGS/profile-$sys-ping.txt" -q
	perf_detach
	java_perf_map "$pid"
	mapfile -t tids < <(ls "/proc/$pid/task")
	trip_attach "$dir/$sys-trip.perf.data"
	idle_pings "$PROFILE_PINGS" "$LOGS/profile-$sys-trip.txt" -q
	perf_detach
	{
		python3 "$BENCH/profile.py" "$dir/$sys-cpu.csv" "${received:-0}" "packet (test cpu, $CPU_PPS packets/s)"
		python3 "$BENCH/profile.py" "$dir/$sys-ping.csv" "$PROFILE_PINGS" "ping round trip (idle, 100/s)"
		profile_samples "$dir/$sys.perf.data" "test cpu"
		profile_samples "$dir/$sys-ping.perf.data" "the pings"
		python3 "$BENCH/trip.py" "$dir/$sys-trip.perf.data" "${tids[@]}"
	} >"$dir/$sys.txt"
	rm -f "/tmp/perf-$pid.map"
	record_lines "$sys" 1 "$(python3 "$BENCH/profile.py" "$dir/$sys-cpu.csv" "${received:-0}" - cpu)"
	record_lines "$sys" 1 "$(python3 "$BENCH/profile.py" "$dir/$sys-ping.csv" "$PROFILE_PINGS" - ping)"
	record_lines "$sys" 1 "$(python3 "$BENCH/trip.py" "$dir/$sys-trip.perf.data" "${tids[@]}" -)"
}

# trip_attach PERF.DATA: records every wake-up, switch and system call of the box (but perf's own)
# until perf_detach, for bench/trip.py: a round trip's steps through the endpoint, call by call
trip_attach() {
	perf record -q -a -e sched:sched_wakeup,sched:sched_switch,raw_syscalls:sys_enter,raw_syscalls:sys_exit --exclude-perf \
		-o "$1" >/dev/null 2>>"$LOGS/perf.log" &
	PERF_PIDS=($!)
	sleep 0.5
}

# java_perf_map PID: if PID is a JVM, has it write /tmp/perf-PID.map, where perf report finds the
# names of its JIT-compiled methods (Java 17+: jcmd Compiler.perfmap); the methods compiled now
java_perf_map() {
	if [[ $(readlink "/proc/$1/exe") == */java ]]; then
		"$(dirname "$(readlink "/proc/$1/exe")")/jcmd" "$1" Compiler.perfmap >>"$LOGS/perf.log" 2>&1 || true
	fi
}

# perf_attach PID STEM CSV: perf record (STEM.perf.data) and perf stat per thread (CSV) on PID's
# threads until perf_detach
perf_attach() {
	perf record -q -F 1999 -g -p "$1" -o "$2.perf.data" >/dev/null 2>>"$LOGS/perf.log" &
	PERF_PIDS=($!)
	perf stat --per-thread -x, -e task-clock,context-switches,raw_syscalls:sys_enter -p "$1" -o "$3" 2>>"$LOGS/perf.log" &
	PERF_PIDS+=($!)
	sleep 0.5 # attached to every thread
}

perf_detach() {
	kill -INT "${PERF_PIDS[@]}" 2>/dev/null
	wait "${PERF_PIDS[@]}" 2>/dev/null || true # perf ends on SIGINT
}

# profile_samples PERF.DATA WHAT: the samples by object and the top 30 symbols
profile_samples() {
	echo "Samples of $2 by object (perf record -g, 1999 Hz; JIT-compiled Java has no object, its methods are named in the symbols):"
	perf_report "$1" dso 12
	echo
	echo "Top symbols of $2:"
	perf_report "$1" dso,sym 30
	echo
}

# perf_report PERF.DATA SORT LINES: perf report's first LINES rows, or a line saying there are none
# (a recording without samples must not end the run under pipefail; awk reads all: no SIGPIPE)
perf_report() {
	local rows
	rows=$(perf report -i "$1" --stdio --no-children --sort "$2" -g none 2>/dev/null | awk -v n="$3" '!/^#/ && !/^$/ && n-- > 0') || true
	echo "${rows:-    (no samples)}"
}

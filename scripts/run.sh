#!/usr/bin/env bash
# Builds the gateway if needed and runs it with the embedded defaults, in the current directory:
# configuration in ./conf (documented defaults are written there at first start), framework
# data in ./data, logs in ./log. Needs root or CAP_NET_ADMIN for the TUN device and NAT.
# JVM options: the embedded-box profile of the systemd unit (its ExecStart's -X options, see
# BENCHMARKS.md "Footprint") and its Environment= (MALLOC_ARENA_MAX; a value set by the caller
# wins); MOBILEGT_JVM_OPTS replaces both ("" = the JVM's defaults).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jar="$root/gateway.app/target/gateway.jar"
unit="$root/gateway.deb/src/deb/systemd/mobilegt.service"
if [ ! -f "$jar" ] || [ -n "$(find "$root" -name '*.java' -newer "$jar" -o -name '*.bnd*' -newer "$jar" | head -1)" ]; then
	(cd "$root" && mvn -B -q package -DskipTests)
fi
opts=${MOBILEGT_JVM_OPTS-$(sed -n 's/^ExecStart=//p' "$unit" | tr ' ' '\n' | grep '^-X' | tr '\n' ' ')}
if [ -z "${MOBILEGT_JVM_OPTS+set}" ]; then
	for env in $(sed -n 's/^Environment=//p' "$unit"); do
		name=${env%%=*}
		[ -n "${!name:-}" ] || export "${env?}"
	done
fi
# shellcheck disable=SC2086 # a list of options
exec java $opts -jar "$jar" "$@"

#!/usr/bin/env bash
# Builds the gateway if needed and runs it with the embedded defaults, in the current directory:
# configuration in ./conf (documented defaults are written there at first start), framework
# data in ./data, logs in ./log. Needs root or CAP_NET_ADMIN for the TUN device and NAT.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jar="$root/gateway.app/target/gateway.jar"
if [ ! -f "$jar" ] || [ -n "$(find "$root" -name '*.java' -newer "$jar" -o -name '*.bnd*' -newer "$jar" | head -1)" ]; then
	(cd "$root" && mvn -B -q package -DskipTests)
fi
exec java -jar "$jar" "$@"

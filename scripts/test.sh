#!/usr/bin/env bash
# Runs every test: unit tests, in-framework tests and the end-to-end tests through real TUN
# devices in network namespaces. On a fresh Debian machine, run as root, it first installs the
# system tools the tests use. Without root the namespace tests are skipped (and say so).
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium + chromium-driver: the console page test (headless, driven by WebDriver); fonts-liberation
# (only recommended by chromium) so that its screenshots have readable text; tshark: reading the
# capture tests' pcap files (its wireshark-common brings dumpcap); iptables: the host-state checks;
# lintian and systemd (systemd-analyze verify, systemd-sysctl): the Debian package's and its unit's checks;
# freeradius: the RADIUS tests run their own servers in their namespaces (never the host's service,
# which is stopped below)
packages=(iproute2 nftables iptables iputils-ping util-linux procps curl python3 iperf3 chromium chromium-driver fonts-liberation tshark lintian systemd freeradius)
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	missing=()
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "Installing ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
	# Debian starts and enables the freeradius service on installation: the tests never use it, and
	# it must not stay listening on the host
	if command -v systemctl >/dev/null && systemctl list-unit-files freeradius.service >/dev/null 2>&1; then
		systemctl disable --now freeradius.service >/dev/null 2>&1 || true
	elif command -v service >/dev/null; then
		service freeradius stop >/dev/null 2>&1 || true
	fi
fi

mvn -B verify "$@"

# The gateway must run on every current LTS: the smoke test once more with the gateway on the
# second JDK of the build machines (the tests themselves stay on the JDK that runs Maven).
jdk25=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
if [ -x "$jdk25" ]; then
	echo "GatewaySmokeTest again, the gateway on $("$jdk25" -version 2>&1 | head -1)"
	mvn -B verify -pl gateway.e2e -am -DskipITs -Dtest=GatewaySmokeTest -Dsurefire.failIfNoSpecifiedTests=false \
		-Dmobilegt.e2e.java="$jdk25"
else
	echo "######## WARNING: no Temurin 25 at $jdk25: GatewaySmokeTest on Java 25 SKIPPED ########" >&2
fi

#!/usr/bin/env bash
# Runs every test: unit tests, in-framework tests and the end-to-end tests through real TUN
# devices in network namespaces. On a fresh Debian machine, run as root, it first installs the
# system tools the tests use. Without root the namespace tests are skipped (and say so).
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium + chromium-driver: the console page test (headless, driven by WebDriver); fonts-liberation
# (only recommended by chromium) so that its screenshots have readable text; tshark: reading the
# capture tests' pcap files (its wireshark-common brings dumpcap); freeradius: the RADIUS tests run
# their own servers in their namespaces (never the host's service, which is stopped below)
packages=(iproute2 nftables iputils-ping util-linux procps curl python3 iperf3 chromium chromium-driver fonts-liberation tshark freeradius)
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

exec mvn -B verify "$@"

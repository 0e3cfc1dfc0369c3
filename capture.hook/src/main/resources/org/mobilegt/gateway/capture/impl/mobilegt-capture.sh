#!/bin/sh
# mobilegt default capture script (bundled with capture.hook, copied into its data area at start).
# Captures one client's packets on the gateway's TUN device:
#
#   mobilegt-capture.sh TUN ADDRESS OUTPUT_PREFIX MAX_FILE_BYTES FILES [ADDRESS6]
#
# dumpcap if installed (writes OUTPUT_PREFIX*.pcapng), else tcpdump (OUTPUT_PREFIX.pcap*), with a
# capture filter on the client's tunnel addresses (IPv4, and IPv6 when given). With
# MAX_FILE_BYTES > 0 the files form a ring of FILES files of about MAX_FILE_BYTES each (the oldest
# is overwritten); 0 = one file, no limit.
# The gateway passes these as separate arguments, never through a shell; this script never
# evaluates them either. It execs the tool, so the gateway's SIGTERM reaches it directly.
set -eu

if [ $# -ne 5 ] && [ $# -ne 6 ]; then
	echo "usage: $0 TUN ADDRESS OUTPUT_PREFIX MAX_FILE_BYTES FILES [ADDRESS6]" >&2
	exit 2
fi
tun=$1
address=$2
prefix=$3
max_bytes=$4
files=$5
address6=${6:-}
case $address in
	'' | *[!0-9.]*) echo "not an IPv4 address: $address" >&2; exit 2 ;;
esac
case $address6 in
	*[!0-9a-f:]*) echo "not an IPv6 address: $address6" >&2; exit 2 ;;
esac
case $max_bytes$files in
	*[!0-9]*) echo "MAX_FILE_BYTES and FILES must be numbers: $max_bytes $files" >&2; exit 2 ;;
esac
filter="host $address"
[ -z "$address6" ] || filter="$filter or host $address6"

if command -v dumpcap >/dev/null 2>&1; then
	set -- -i "$tun" -f "$filter" -w "$prefix.pcapng"
	if [ "$max_bytes" -gt 0 ]; then
		# dumpcap counts kB of 1000 bytes
		set -- "$@" -b "filesize:$(( (max_bytes + 999) / 1000 ))" -b "files:$files"
	fi
	echo "capturing $filter on $tun with dumpcap into $prefix*.pcapng"
	exec dumpcap "$@"
elif command -v tcpdump >/dev/null 2>&1; then
	# -Z: stay the current user (Debian's tcpdump would switch to 'tcpdump', who may not write here)
	set -- -n -U -i "$tun" -w "$prefix.pcap" -Z "$(id -un)"
	if [ "$max_bytes" -gt 0 ]; then
		# tcpdump counts millions of bytes
		set -- "$@" -C "$(( (max_bytes + 999999) / 1000000 ))" -W "$files"
	fi
	echo "capturing $filter on $tun with tcpdump into $prefix.pcap*"
	exec tcpdump "$@" "$filter"
else
	echo "neither dumpcap nor tcpdump is installed: install wireshark-common (dumpcap) or tcpdump, or set method=builtin" >&2
	exit 127
fi

#!/usr/bin/env python3
"""Parsing and statistics for bench/run.sh (standard library only).

  stats.py iperf FILE.json KIND     -> one line "key=value ..." (KIND: tcp or udp)
  stats.py ping FILE                -> "avg_ms p99_ms loss_pct replies"
  stats.py report RAW.tsv OUTDIR    -> OUTDIR/results.tsv, table.txt, plot.dat; prints the table
"""
import json
import math
import re
import statistics
import sys

SYSTEM_LABELS = {
    "direct": "(a) direct routing",
    "wg": "(b) wireguard-go",
    "ovpn-none": "(c) OpenVPN no cipher",
    "ovpn-gcm": "(c) OpenVPN AES-256-GCM",
    "relay": "(d) C relay",
    "relay1": "(d) C relay, batch 1",
    "gateway": "(e) mobilegt gateway",
}
BASELINES = [("direct", "a"), ("wg", "b"), ("ovpn-none", "c0")]
# (metric, column title, format); missing metrics print as "-".
COLUMNS = [
    ("tcp1_mbps", "TCP1", "{:.0f}"),
    ("tcp4_mbps", "TCP4", "{:.0f}"),
    ("tcp1r_mbps", "TCP1-R", "{:.0f}"),
    ("tcp4r_mbps", "TCP4-R", "{:.0f}"),
    ("udp64_kpps", "UDP64 kpps", "{:.1f}"),
    ("udp64_loss_pct", "loss%", "{:.1f}"),
    ("udpmtu_kpps", "UDP1400 kpps", "{:.1f}"),
    ("udpmtu_loss_pct", "loss%", "{:.1f}"),
    ("rtt_avg_ms", "RTT avg", "{:.3f}"),
    ("rtt_p99_ms", "RTT p99", "{:.3f}"),
    ("rtt_load_avg_ms", "load avg", "{:.2f}"),
    ("rtt_load_p99_ms", "load p99", "{:.2f}"),
    ("cpu_cores_per_gbps", "cores/Gbps", "{:.2f}"),
    ("cpu_us_per_pkt", "us/pkt", "{:.2f}"),
    ("rss_kb", "RSS KiB", "{:.0f}"),
    ("hs_per_s", "hs/s", "{:.0f}"),
]
RATIO_METRICS = ["tcp1_mbps", "tcp4_mbps", "tcp1r_mbps", "tcp4r_mbps", "udp64_kpps", "udpmtu_kpps"]
PLOT_METRICS = [("tcp1_mbps", "TCP 1 stream"), ("tcp4_mbps", "TCP 4 streams"), ("tcp1r_mbps", "TCP 1 reverse"),
                ("tcp4r_mbps", "TCP 4 reverse"), ("udp64_kpps", "UDP 64 B payload"),
                ("udpmtu_kpps", "UDP 1400 B packets")]


def iperf(path, kind):
    with open(path) as f:
        j = json.load(f)
    if "error" in j:
        sys.exit("iperf3: " + j["error"])
    end = j["end"]
    recv = end["sum_received"]
    if kind == "tcp":
        print("mbps={:.3f} bytes={} seconds={:.3f} retransmits={}".format(
            recv["bits_per_second"] / 1e6, recv["bytes"], recv["seconds"],
            end["sum_sent"].get("retransmits", 0)))
    else:
        sent = end["sum"]["packets"]  # the sender's count
        received = recv["packets"] - recv["lost_packets"]
        loss = 100.0 * (sent - received) / sent if sent else 100.0
        print("kpps={:.3f} received={} sent={} loss_pct={:.2f} seconds={:.3f}".format(
            received / recv["seconds"] / 1e3, received, sent, loss, recv["seconds"]))


def percentile(sorted_values, p):
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def ping(path, expected=None):
    times = []
    transmitted = None
    with open(path) as f:
        for line in f:
            m = re.search(r"time=([0-9.]+) ms", line)
            if m:
                times.append(float(m.group(1)))
            m = re.search(r"(\d+) packets transmitted", line)
            if m:
                transmitted = int(m.group(1))
    times.sort()
    sent = transmitted or expected or len(times)
    loss = 100.0 * (sent - len(times)) / sent if sent else 100.0
    if not times:
        print("nan nan {:.1f} 0".format(loss))
        return
    print("{:.4f} {:.4f} {:.1f} {}".format(statistics.fmean(times), percentile(times, 99), loss, len(times)))


def fmt(value, pattern):
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else pattern.format(value)


def render(headers, rows):
    widths = [max(len(str(r[i])) for r in [headers] + rows) for i in range(len(headers))]
    out = []
    for n, r in enumerate([headers] + rows):
        out.append("  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def report(raw_path, outdir):
    samples = {}  # (system, metric) -> [values]
    order = []
    with open(raw_path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            system, rep, metric, value = line.split("\t")[:4]
            if system not in order:
                order.append(system)
            try:
                v = float(value)
            except ValueError:
                continue
            if not math.isnan(v):
                samples.setdefault((system, metric), []).append(v)
    med = {k: statistics.median(v) for k, v in samples.items()}

    with open(outdir + "/results.tsv", "w") as f:
        f.write("system\tmetric\tmedian\tn\tmin\tmax\n")
        for (system, metric), values in sorted(samples.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1])):
            f.write("{}\t{}\t{:.6g}\t{}\t{:.6g}\t{:.6g}\n".format(
                system, metric, med[(system, metric)], len(values), min(values), max(values)))

    used = [c for c in COLUMNS if any((s, c[0]) in med for s in order)]
    rows = [[SYSTEM_LABELS.get(s, s)] + [fmt(med.get((s, m)), p) for m, _, p in used] for s in order]
    text = ["Medians (TCP in Mbit/s, client ns -> internet host, -R = reverse; UDP payload 64 B and 1372 B "
            "(1400 B IP packets), received kpps; RTT in ms idle and under a TCP stream; CPU of the tunnel "
            "endpoint processes: cores per Gbit/s in TCP1, microseconds per received UDP64 packet)",
            render(["system"] + [t for _, t, _ in used], rows), ""]
    ratio_rows = []
    for s in order:
        row = [SYSTEM_LABELS.get(s, s)]
        for m in RATIO_METRICS:
            cells = []
            for base, tag in BASELINES:
                v, b = med.get((s, m)), med.get((base, m))
                cells.append("{:.2f}".format(v / b) if v is not None and b else "-")
            row.append("/".join(cells))
        ratio_rows.append(row)
    text += ["Ratios to (a) direct / (b) wireguard-go / (c0) OpenVPN no cipher (higher is better)",
             render(["system"] + [m.replace("_mbps", "").replace("_kpps", " pps") for m in RATIO_METRICS],
                    ratio_rows)]
    table = "\n".join(text) + "\n"
    with open(outdir + "/table.txt", "w") as f:
        f.write(table)
    print(table, end="")

    with open(outdir + "/plot.dat", "w") as f:
        f.write("system\t" + "\t".join(title for _, title in PLOT_METRICS) + "\n")
        for s in order:
            cells = [fmt(med.get((s, m)), "{:.3f}") for m, _ in PLOT_METRICS]
            if any(c != "-" for c in cells):  # skipped systems stay out of the plot
                f.write(SYSTEM_LABELS.get(s, s) + "\t" + "\t".join(cells) + "\n")


def main(argv):
    if len(argv) >= 4 and argv[1] == "iperf":
        iperf(argv[2], argv[3])
    elif len(argv) >= 3 and argv[1] == "ping":
        ping(argv[2], int(argv[3]) if len(argv) > 3 else None)
    elif len(argv) == 4 and argv[1] == "report":
        report(argv[2], argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)

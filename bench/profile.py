#!/usr/bin/env python3
"""`perf stat --per-thread -x,` output of bench/profile.sh, per packet or per round trip.

  profile.py CSV COUNT TITLE        -> a table: each thread class's CPU us, system calls and
                                       context switches per unit (TITLE names the unit)
  profile.py CSV COUNT - PREFIX     -> "metric value" lines: prof_PREFIX_{us,syscalls,ctxsw} of the
                                       whole process, and for the gateway prof_PREFIX_uplink_us
                                       and prof_PREFIX_downlink_us
"""
import collections
import sys

# The gateway's pump threads by name (/proc comm, 15 characters), as run.sh's thread_ticks.
CLASSES = [("mobilegt-uplink", "uplink"), ("mobilegt-downli", "downlink"),
           ("mobilegt-contro", "control"), ("mobilegt-replie", "control")]
EVENTS = {"task-clock": "us", "raw_syscalls:sys_enter": "syscalls", "context-switches": "ctxsw"}


def thread_class(comm):
    for prefix, name in CLASSES:
        if comm.startswith(prefix):
            return name
    return "other"


def read(path):
    """class -> {"us", "syscalls", "ctxsw"} totals; classes in first-seen order."""
    totals = collections.OrderedDict()
    with open(path) as f:
        for line in f:
            cells = line.rstrip("\n").split(",")
            if len(cells) < 4 or line.startswith("#") or cells[3] not in EVENTS:
                continue
            comm = cells[0].rsplit("-", 1)[0]
            try:
                value = float(cells[1])
            except ValueError:  # <not counted>: the thread did not run
                continue
            key = EVENTS[cells[3]]
            if key == "us":
                value *= 1000.0  # perf prints task-clock in ms
            totals.setdefault(thread_class(comm), collections.Counter())[key] += value
    return totals


def main(argv):
    if len(argv) not in (4, 5):
        sys.exit(__doc__)
    totals, count = read(argv[1]), max(1.0, float(argv[2]))
    whole = collections.Counter()
    for c in totals.values():
        whole.update(c)
    if argv[3] == "-":
        prefix = "prof_" + argv[4]
        for key in ("us", "syscalls", "ctxsw"):
            print("{}_{} {:.3f}".format(prefix, key, whole[key] / count))
        for name in ("uplink", "downlink"):
            if name in totals:
                print("{}_{}_us {:.3f}".format(prefix, name, totals[name]["us"] / count))
        return
    print("Per {} ({:.0f} of them), from perf stat --per-thread:".format(argv[3], count))
    print("{:<10} {:>10} {:>14} {:>18}".format("threads", "CPU us", "system calls", "context switches"))
    for name, c in list(totals.items()) + [("all", whole)]:
        print("{:<10} {:>10.2f} {:>14.2f} {:>18.2f}".format(
            name, c["us"] / count, c["syscalls"] / count, c["ctxsw"] / count))
    print()


if __name__ == "__main__":
    main(sys.argv)

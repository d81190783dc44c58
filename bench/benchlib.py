"""benchlib.py - what the benchmark scripts in bench/ share."""
import datetime
import os


def machine_line():
    model = "unknown cpu"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, val = line.partition(":")
                if key.strip() in ("model name", "Model", "cpu model", "Hardware"):
                    model = val.strip()
                    break
    except OSError:
        pass
    mem = "? RAM"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = "%.1f GiB RAM" % (int(line.split()[1]) / 1024.0 / 1024.0)
                    break
    except OSError:
        pass
    ncpu = len(os.sched_getaffinity(0))
    when = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    return "machine: %s, %d cores, %s, %s, %s" % (model, ncpu, mem, os.uname().release, when)

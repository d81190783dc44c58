#!/usr/bin/env python3
"""report.py - reads memlens report JSON (doc/report-json.md) for the shell tests.

usage: report.py check FILE            exit 1 with a message if FILE is not schema-1 JSON
       report.py get FILE KEY.PATH      print one value (list elements as KEY.0.sub)
       report.py sites FILE REGEX...    sums over the distinct heap sites that have, for
                                        each REGEX, a frame whose function matches it
Function names are compared without GCC's clone suffixes (.constprop.0, .isra.0, ...).
       report.py frames FILE FUNCTION   print "file:line" of every frame of FUNCTION
       report.py threads FILE           one line per thread: tid and its figures
       report.py top FILE LIST N        the first N sites of LIST (sites_by_live or
                                        sites_by_peak): "live_bytes=N functions=f,g,..."
"""
import json
import re
import sys

TOP_KEYS = ("schema", "memlens_version", "command", "pid", "target", "duration_s", "agent",
            "totals", "process", "sites_by_live", "sites_by_peak", "threads")
TOTAL_KEYS = ("alloc_calls", "frees", "bytes_allocated", "peak_live_bytes", "peak_time_s",
              "live_bytes", "live_blocks", "unknown_frees", "mmap")
MMAP_KEYS = ("calls", "unmaps", "bytes_mapped", "live_bytes", "live_regions")
SITE_KEYS = ("id", "kind", "alloc_calls", "frees", "bytes_allocated", "live_bytes",
             "live_blocks", "peak_live_bytes", "live_at_peak_bytes", "peak_share", "frames")
FRAME_KEYS = ("function", "file", "line", "inlined", "module", "offset", "address")
THREAD_KEYS = ("index", "tid", "name", "state", "alloc_calls", "frees", "bytes_allocated",
               "live_bytes", "start_s", "end_s", "created_by")


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def missing(obj, keys, where):
    if not isinstance(obj, dict):
        return ["%s is not an object" % where]
    return ["%s lacks %r" % (where, k) for k in keys if k not in obj]


def check(doc):
    problems = missing(doc, TOP_KEYS, "report")
    if problems:
        return problems
    if doc["schema"] != 1:
        problems.append("schema is %r, not 1" % doc["schema"])
    problems += missing(doc["target"], ("state", "exit_code", "signal"), "target")
    problems += missing(doc["totals"], TOTAL_KEYS, "totals")
    if not problems:
        problems += missing(doc["totals"]["mmap"], MMAP_KEYS, "totals.mmap")
    for lst in ("sites_by_live", "sites_by_peak"):
        for i, site in enumerate(doc[lst]):
            problems += missing(site, SITE_KEYS, "%s[%d]" % (lst, i))
            for j, fr in enumerate(site.get("frames", [])):
                problems += missing(fr, FRAME_KEYS, "%s[%d].frames[%d]" % (lst, i, j))
    for i, th in enumerate(doc["threads"]):
        problems += missing(th, THREAD_KEYS, "threads[%d]" % i)
    return problems[:10]


def get(doc, path):
    cur = doc
    for part in path.split("."):
        if isinstance(cur, list) and re.fullmatch(r"-?\d+", part):
            idx = int(part)
            if -len(cur) <= idx < len(cur):
                cur = cur[idx]
                continue
            return "MISSING"
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
            continue
        return "MISSING"
    if isinstance(cur, (dict, list)):
        return json.dumps(cur)
    if cur is None:
        return "null"
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


CLONE_SUFFIX = re.compile(r"(\.(constprop|isra|part|cold|lto_priv)(\.\d+)?)+$")


def function_name(frame):
    """A frame's function without GCC's clone suffixes (leak_here.constprop.0)."""
    return CLONE_SUFFIX.sub("", frame.get("function") or "")


def all_sites(doc):
    seen = {}
    for lst in ("sites_by_live", "sites_by_peak"):
        for site in doc.get(lst, []):
            seen.setdefault(site.get("id"), site)
    return list(seen.values())


def sites(doc, regexes):
    rxs = [re.compile(r) for r in regexes]
    sums = dict.fromkeys(("alloc_calls", "frees", "bytes_allocated", "live_bytes",
                          "live_blocks"), 0)
    n = 0
    for site in all_sites(doc):
        if site.get("kind") != "heap":
            continue
        names = [function_name(fr) for fr in site.get("frames", [])]
        if all(any(rx.search(name) for name in names) for rx in rxs):
            n += 1
            for k in sums:
                sums[k] += site.get(k, 0)
    return " ".join("%s=%d" % kv for kv in sums.items()) + " sites=%d" % n


def frames(doc, function):
    out = set()
    for site in all_sites(doc):
        for fr in site.get("frames", []):
            if function_name(fr) == function:
                out.add("%s:%s" % (fr.get("file"), fr.get("line")))
    return sorted(out)


def threads(doc):
    out = []
    for th in doc.get("threads", []):
        created = ",".join(function_name(fr) or "?" for fr in th.get("created_by", []))
        out.append("tid=%s alloc_calls=%s frees=%s bytes_allocated=%s live_bytes=%s "
                   "created_by=%s" % (th.get("tid"), th.get("alloc_calls"), th.get("frees"),
                                      th.get("bytes_allocated"), th.get("live_bytes"),
                                      created or "-"))
    return out


def top(doc, lst, n):
    out = []
    for site in doc.get(lst, [])[:n]:
        funcs = ",".join(function_name(fr) or "?" for fr in site.get("frames", []))
        out.append("live_bytes=%s functions=%s" % (site.get("live_bytes"), funcs))
    return out


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    cmd, path = argv[1], argv[2]
    try:
        doc = load(path)
    except (OSError, ValueError) as e:
        sys.stderr.write("cannot read %s: %s\n" % (path, e))
        return 1
    if cmd == "check":
        problems = check(doc)
        for p in problems:
            sys.stderr.write(p + "\n")
        return 1 if problems else 0
    if cmd == "get" and len(argv) == 4:
        print(get(doc, argv[3]))
    elif cmd == "sites" and len(argv) >= 4:
        print(sites(doc, argv[3:]))
    elif cmd == "frames" and len(argv) == 4:
        print("\n".join(frames(doc, argv[3])))
    elif cmd == "top" and len(argv) == 5:
        print("\n".join(top(doc, argv[3], int(argv[4]))))
    elif cmd == "threads":
        print("\n".join(threads(doc)))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""script_json.py - reads the JSON of `memlens script --json` (doc/lua-api.md) for the shell tests.

usage: script_json.py check FILE                 exit 1 with a message unless FILE has every key
       script_json.py get FILE KEY.PATH           print one value (list elements as KEY.0.sub)
       script_json.py findings FILE               one line per finding:
           "heuristic=H category=C fired=0|1 first_s=T functions=f,g,... reason=..."
       script_json.py budget FILE NAME KEY        one field of the budget named NAME
       script_json.py errors FILE                 the script errors, one a line
"""
import json
import re
import sys

TOP_KEYS = ("schema", "memlens_version", "script", "target", "end", "exit_status", "error_count",
            "budgets", "findings", "heuristics", "errors", "log")
BUDGET_KEYS = ("name", "metric", "unit", "max", "value", "peak", "status", "over", "violated_at_s",
               "sustained_s", "match", "where")
FINDING_KEYS = ("heuristic", "category", "score", "unit", "threshold", "fired", "ever_fired", "current",
                "reason", "first_s", "last_s", "site")


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print("%s: %s" % (path, e), file=sys.stderr)
        sys.exit(1)


def missing(obj, keys, where):
    if not isinstance(obj, dict):
        return ["%s is not an object" % where]
    return ["%s lacks %r" % (where, k) for k in keys if k not in obj]


def check(doc):
    problems = missing(doc, TOP_KEYS, "results")
    if problems:
        return problems
    if doc["schema"] != 1:
        problems.append("schema is %r, not 1" % doc["schema"])
    problems += missing(doc["target"], ("pid", "command", "state", "exit_code", "signal", "duration_s"), "target")
    for i, b in enumerate(doc["budgets"]):
        problems += missing(b, BUDGET_KEYS, "budgets[%d]" % i)
    for i, f in enumerate(doc["findings"]):
        problems += missing(f, FINDING_KEYS, "findings[%d]" % i)
    return problems[:10]


def get(doc, path):
    cur = doc
    for part in path.split("."):
        if isinstance(cur, list) and re.fullmatch(r"\d+", part):
            i = int(part)
            if i >= len(cur):
                return "MISSING"
            cur = cur[i]
        elif isinstance(cur, dict) and part in cur:
            cur = cur[part]
        else:
            return "MISSING"
    if cur is None:
        return "null"
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return cur


def clean(fn):
    return re.sub(r"\.(constprop|isra|part|cold)\.\d+", "", fn or "?")


def main(argv):
    cmd, path = argv[1], argv[2]
    doc = load(path)
    if cmd == "check":
        problems = check(doc)
        for p in problems:
            print(p, file=sys.stderr)
        return 1 if problems else 0
    if cmd == "get":
        print(get(doc, argv[3]))
    elif cmd == "findings":
        for f in doc["findings"]:
            site = f.get("site") or {}
            fns = ",".join(clean(fr.get("function")) for fr in site.get("frames", []))
            print("heuristic=%s category=%s fired=%d first_s=%.1f functions=%s reason=%s" % (
                f["heuristic"], f["category"], 1 if f["ever_fired"] else 0, f["first_s"], fns or "-",
                f["reason"]))
    elif cmd == "budget":
        for b in doc["budgets"]:
            if b["name"] == argv[3]:
                print(get(b, argv[4]))
                return 0
        print("MISSING")
    elif cmd == "errors":
        for e in doc["errors"]:
            print(e)
    else:
        print("unknown command " + cmd, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

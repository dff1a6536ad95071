#!/usr/bin/env python3
"""Regenerates the command table of docs/compatibility.md from a running ember-server.

    docs/gen_compatibility.py PORT > /tmp/table.md

Lists every Redis 7.0.15 command (server/commands/redis_commands.json) by group, marking what
ember-server registers (COMMAND LIST, and COMMAND INFO for subcommands).
"""
import json
import os
import subprocess
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
port = sys.argv[1]


def cli(*args):
    out = subprocess.run(["redis-cli", "-p", port, *args], capture_output=True, text=True)
    return [l for l in out.stdout.splitlines() if l]


specs = json.load(open(os.path.join(root, "server", "commands", "redis_commands.json")))
ours = set(cli("COMMAND", "LIST"))
groups = {}
for s in specs:
    groups.setdefault(s["docs"].get("group", "other"), []).append(s)
total = sum(len(v) for v in groups.values())
have = sum(1 for v in groups.values() for s in v if s["name"] in ours)
print(f"Implemented: **{have} of {total}** top-level commands.\n")
for g in sorted(groups):
    print(f"### {g}\n")
    print("| command | status |")
    print("| --- | --- |")
    for s in sorted(groups[g], key=lambda s: s["name"]):
        name = s["name"]
        subs = [x["name"] for x in s.get("subcommands", [])]
        if name not in ours:
            print(f"| {name.upper()} | not yet |")
            continue
        if not subs:
            print(f"| {name.upper()} | yes |")
            continue
        registered = set()
        for sub in subs:
            info = cli("COMMAND", "INFO", sub)
            if info and info[0] != "":
                registered.add(sub)
        missing = [x.split("|")[1].upper() for x in sorted(subs) if x not in registered]
        status = "yes" if not missing else "yes, except " + ", ".join(missing)
        print(f"| {name.upper()} | {status} |")
    print()

#!/usr/bin/env python3
"""Dump a real Redis server's command table into server/commands/redis_commands.json.

Ember answers COMMAND, COMMAND INFO, COMMAND DOCS, COMMAND COUNT, COMMAND LIST and
COMMAND GETKEYS from that file, so its facts must come from the Redis binary itself
(Debian's redis-server 7.0.15), not from Redis's source tree.

The script speaks RESP3 (HELLO 3) over a plain socket, Python 3 standard library only:

    server/commands/gen_command_specs.py --start                 # launch /usr/bin/redis-server, then stop it
    server/commands/gen_command_specs.py --host 127.0.0.1 --port 6379

Output: a JSON array sorted by command name, one top-level command per line:

    {"name":"get","arity":2,"flags":["readonly","fast"],"first_key":1,"last_key":1,"step":1,
     "acl_categories":["@read","@string","@fast"],"tips":[],"key_specs":[{...}],
     "docs":{...},"subcommands":[...same shape, names like "config|get"...]}

Objects keep the field order Redis replied with (key specs, docs, doc arguments), so a
loader that preserves insertion order (nlohmann::ordered_json) can replay the exact reply.
RESP3 maps become objects, arrays and sets become arrays, simple/bulk/verbatim strings become
strings, integers become numbers. Two things are normalised for stable diffs, because Redis
walks hash tables (seeded randomly at startup) there: subcommands are sorted by name, and so
are the entries of each docs "subcommands" map.

--print-types prints which RESP3 type Redis used at every field path (e.g. flags are sets of
simple strings, history is a set of arrays), which the JSON alone does not record.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_OUTPUT = os.path.join(REPO_ROOT, "server", "commands", "redis_commands.json")


class RedisError(Exception):
    pass


class Node:
    """One RESP3 value with its wire type, so --print-types can report it."""

    __slots__ = ("kind", "value")

    def __init__(self, kind, value):
        self.kind = kind  # 'simple','bulk','verbatim','error','int','double','bool','null','big',
        #                   'array','set','push','map'
        self.value = value  # str/int/float/bool/None, list of Node, or list of (Node, Node)


class RespConnection:
    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()
        self.pos = 0

    def send(self, *args):
        out = bytearray(b"*%d\r\n" % len(args))
        for a in args:
            b = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(b), b)
        self.sock.sendall(out)

    def call(self, *args):
        self.send(*args)
        reply = self.read()
        if reply.kind == "error":
            raise RedisError(reply.value)
        return reply

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("server closed the connection")
        if self.pos:
            del self.buf[: self.pos]
            self.pos = 0
        self.buf += chunk

    def _line(self):
        while True:
            end = self.buf.find(b"\r\n", self.pos)
            if end >= 0:
                line = bytes(self.buf[self.pos : end])
                self.pos = end + 2
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) - self.pos < n + 2:
            self._fill()
        data = bytes(self.buf[self.pos : self.pos + n])
        if self.buf[self.pos + n : self.pos + n + 2] != b"\r\n":
            raise ValueError("malformed RESP: bulk payload not followed by CRLF")
        self.pos += n + 2
        return data

    def read(self):
        line = self._line()
        t, rest = chr(line[0]), line[1:].decode()
        if t == "+":
            return Node("simple", rest)
        if t == "-":
            return Node("error", rest)
        if t == ":":
            return Node("int", int(rest))
        if t == "(":
            return Node("big", int(rest))
        if t == ",":
            return Node("double", float(rest))
        if t == "#":
            return Node("bool", rest == "t")
        if t == "_":
            return Node("null", None)
        if t in "$=!":
            n = int(rest)
            if n < 0:
                return Node("null", None)
            data = self._exact(n).decode("utf-8")
            if t == "=":
                return Node("verbatim", data[4:])  # drop the "txt:" format prefix
            return Node("error" if t == "!" else "bulk", data)
        if t in "*~>":
            n = int(rest)
            if n < 0:
                return Node("null", None)
            kind = {"*": "array", "~": "set", ">": "push"}[t]
            return Node(kind, [self.read() for _ in range(n)])
        if t == "%":
            return Node("map", [(self.read(), self.read()) for _ in range(int(rest))])
        if t == "|":  # attribute: metadata for the next reply, skip it
            for _ in range(int(rest)):
                self.read()
                self.read()
            return self.read()
        raise ValueError("unknown RESP3 type byte %r" % t)


def to_json(node):
    """Converts a RESP3 Node tree to plain Python values (dict keeps reply order)."""
    if node.kind in ("array", "set", "push"):
        return [to_json(v) for v in node.value]
    if node.kind == "map":
        out = {}
        for k, v in node.value:
            key = to_json(k)
            if not isinstance(key, str):
                raise ValueError("non-string map key %r" % (key,))
            if key in out:
                raise ValueError("duplicate map key %r" % key)
            out[key] = to_json(v)
        return out
    if node.kind == "error":
        raise RedisError(node.value)
    return node.value


def collect_types(node, path, table):
    """Records the RESP3 type seen at each generalised path (array indexes become [])."""
    table.setdefault(path, set()).add(node.kind)
    if node.kind in ("array", "set", "push"):
        for v in node.value:
            collect_types(v, path + "[]", table)
    elif node.kind == "map":
        for k, v in node.value:
            collect_types(k, path + "{key}", table)
            # Docs "subcommands" maps are keyed by command name: generalise the name away.
            sub = path + ("{name}" if path.endswith(".subcommands") else "." + str(k.value))
            collect_types(v, sub, table)


def collect_info_types(entry, path, table):
    """Like collect_types for one COMMAND INFO entry, naming its positional fields."""
    table.setdefault(path, set()).add(entry.kind)
    for field, v in zip(INFO_FIELDS, entry.value):
        if field == "subcommands":
            table.setdefault(path + ".subcommands", set()).add(v.kind)
            for s in v.value:
                collect_info_types(s, path + ".subcommands[]", table)
        else:
            collect_types(v, path + "." + field, table)


INFO_FIELDS = ("name", "arity", "flags", "first_key", "last_key", "step", "acl_categories",
               "tips", "key_specs", "subcommands")


def sort_docs_subcommands(docs):
    subs = docs.get("subcommands")
    if isinstance(subs, dict):
        docs["subcommands"] = {k: sort_docs_subcommands(subs[k]) for k in sorted(subs)}
    return docs


def build_spec(info, docs_by_name):
    """info: one COMMAND INFO entry (list of 10); docs_by_name: name -> docs dict."""
    if len(info) != len(INFO_FIELDS):
        raise ValueError("COMMAND INFO entry with %d fields: %r" % (len(info), info[:1]))
    f = dict(zip(INFO_FIELDS, info))
    name = f["name"]
    if name not in docs_by_name:
        raise ValueError("no COMMAND DOCS entry for %r" % name)
    docs = sort_docs_subcommands(docs_by_name[name])
    sub_docs = docs.get("subcommands", {})
    subcommands = sorted((build_spec(s, sub_docs) for s in f["subcommands"]),
                         key=lambda s: s["name"])
    if sorted(sub_docs) != [s["name"] for s in subcommands]:
        raise ValueError("subcommands of %r differ between COMMAND INFO and DOCS" % name)
    return {
        "name": name,
        "arity": f["arity"],
        "flags": f["flags"],
        "first_key": f["first_key"],
        "last_key": f["last_key"],
        "step": f["step"],
        "acl_categories": f["acl_categories"],
        "tips": f["tips"],
        "key_specs": f["key_specs"],
        "docs": docs,
        "subcommands": subcommands,
    }


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connect(host, port, timeout):
    deadline = time.monotonic() + timeout
    while True:
        try:
            sock = socket.create_connection((host, port), timeout=30)
            conn = RespConnection(sock)
            conn.call("PING")
            return conn
        except (ConnectionError, OSError, RedisError) as e:
            if time.monotonic() > deadline:
                raise SystemExit("cannot reach redis at %s:%d: %s" % (host, port, e))
            time.sleep(0.1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=6379)
    ap.add_argument("--start", action="store_true",
                    help="launch a throwaway redis-server on a free port and stop it afterwards")
    ap.add_argument("--redis-server", default="/usr/bin/redis-server",
                    help="binary for --start (default: %(default)s)")
    ap.add_argument("--output", default=DEFAULT_OUTPUT, help="default: %(default)s")
    ap.add_argument("--print-types", action="store_true",
                    help="print the RESP3 type used at each field path of the replies")
    args = ap.parse_args()

    proc = None
    tmpdir = None
    host, port = args.host, args.port
    try:
        if args.start:
            tmpdir = tempfile.mkdtemp(prefix="ember-gen-specs-")
            host, port = "127.0.0.1", free_port()
            proc = subprocess.Popen(
                [args.redis_server, "--port", str(port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--dir", tmpdir,
                 "--logfile", os.path.join(tmpdir, "redis.log")],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        conn = connect(host, port, timeout=10 if args.start else 1)

        hello = to_json(conn.call("HELLO", "3"))
        count = to_json(conn.call("COMMAND", "COUNT"))
        info_node = conn.call("COMMAND", "INFO")
        docs_node = conn.call("COMMAND", "DOCS")
        if args.start:
            try:
                conn.send("SHUTDOWN", "NOSAVE")
                conn.read()
            except (ConnectionError, OSError):
                pass  # the server closes the socket as it exits
        conn.sock.close()
    finally:
        if proc is not None:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.terminate()
                proc.wait(timeout=10)
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)

    info = to_json(info_node)
    docs = to_json(docs_node)
    specs = sorted((build_spec(entry, docs) for entry in info), key=lambda s: s["name"])
    if len(specs) != count or len(docs) != count:
        raise SystemExit("COMMAND COUNT %d, COMMAND INFO %d, COMMAND DOCS %d entries"
                         % (count, len(specs), len(docs)))

    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    tmp = args.output + ".tmp"
    with open(tmp, "w", encoding="ascii", newline="\n") as out:
        out.write("[\n")
        for i, spec in enumerate(specs):
            out.write(json.dumps(spec, separators=(",", ":"), ensure_ascii=True))
            out.write(",\n" if i + 1 < len(specs) else "\n")
        out.write("]\n")
    os.replace(tmp, args.output)

    print("redis %s: %d commands (%d subcommands) -> %s"
          % (hello.get("version"), len(specs), sum(len(s["subcommands"]) for s in specs),
             os.path.relpath(args.output)), file=sys.stderr)

    if args.print_types:
        table = {}
        for entry in info_node.value:
            collect_info_types(entry, "info[]", table)
        for _, doc in docs_node.value:
            collect_types(doc, "docs{name}", table)
        for path in sorted(table):
            print("%-70s %s" % (path, ",".join(sorted(table[path]))))


if __name__ == "__main__":
    main()

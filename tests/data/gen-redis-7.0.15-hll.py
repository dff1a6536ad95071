#!/usr/bin/env python3
"""Regenerates redis-7.0.15-hll.txt with Debian's redis-server 7.0.15.

Each line: name, the HLL string Redis stored (hex), and PFCOUNT's reply for it, tab-separated.
The elements behind each name are rebuilt by tests/unit/storage/hyperloglog_test.cc.
"""
import os, socket, subprocess, sys, tempfile, time

PORT = int(os.environ.get("PORT", "45990"))


def cmd(sock, *args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    sock.sendall(out)
    return read(sock.makefile("rb"))


def read(f):
    line = f.readline()
    t, rest = line[:1], line[1:-2]
    if t in (b"+", b"-"):
        return rest.decode()
    if t == b":":
        return int(rest)
    if t == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)[:-2]
        return data
    raise RuntimeError(line)


def main():
    d = tempfile.mkdtemp()
    p = subprocess.Popen(["/usr/bin/redis-server", "--port", str(PORT), "--bind", "127.0.0.1",
                          "--dir", d, "--save", "", "--logfile", d + "/log"])
    try:
        for _ in range(50):
            try:
                s = socket.create_connection(("127.0.0.1", PORT))
                break
            except OSError:
                time.sleep(0.1)
        rows = []

        def add(name, elements, max_bytes=3000, count_first=False):
            cmd(s, "CONFIG", "SET", "hll-sparse-max-bytes", max_bytes)
            cmd(s, "DEL", name)
            # In batches, as the tests will (the sparse form depends on the order only).
            for i in range(0, max(len(elements), 1), 100):
                cmd(s, "PFADD", name, *elements[i:i + 100])
            c = None
            if count_first:
                c = cmd(s, "PFCOUNT", name)
            v = cmd(s, "GET", name)
            if c is None:
                c = cmd(s, "PFCOUNT", name)
            rows.append((name, v.hex(), str(c)))

        add("empty", [])
        add("abc", ["a", "b", "c"])
        add("abc_counted", ["a", "b", "c"], count_first=True)
        add("lengths", ["x" * n for n in range(0, 40)])
        for n in (10, 200, 1000, 5000, 100000):
            add("n%d" % n, ["ele:%d" % i for i in range(n)])
        add("small_max_100", ["ele:%d" % i for i in range(100)], max_bytes=100)
        cmd(s, "CONFIG", "SET", "hll-sparse-max-bytes", 3000)
        cmd(s, "PFMERGE", "merged", "abc", "n200", "lengths")
        rows.append(("merge_sparse", cmd(s, "GET", "merged").hex(), str(cmd(s, "PFCOUNT", "merged"))))
        cmd(s, "PFMERGE", "merged2", "abc", "n5000")
        rows.append(("merge_dense", cmd(s, "GET", "merged2").hex(), str(cmd(s, "PFCOUNT", "merged2"))))
        rows.append(("count3", "", str(cmd(s, "PFCOUNT", "abc", "n200", "n5000"))))
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "redis-7.0.15-hll.txt"),
                  "w") as f:
            for r in rows:
                f.write("\t".join(r) + "\n")
    finally:
        p.terminate()
        p.wait()


main()

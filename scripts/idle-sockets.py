#!/usr/bin/env python3
"""Opens N idle TCP connections to a running `witgis serve` and prints the
server's resident memory and open file descriptors before, while they are
open, and after the idle timeout. Usage (raise the client's fd limit first):

    ulimit -n 40000 && scripts/idle-sockets.py PID PORT [N] [WAIT_S]
"""
import socket
import sys
import time


def status(pid):
    rss = next(l.split()[1] for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS:"))
    import os
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return f"RSS {int(rss) // 1024} MiB, {fds} fds"


def main():
    pid, port = int(sys.argv[1]), int(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
    wait = float(sys.argv[4]) if len(sys.argv) > 4 else 5.0
    print("before:", status(pid))
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        socks.append(s)
    time.sleep(2)
    print(f"{n} idle sockets open:", status(pid))
    time.sleep(wait)
    print(f"after {wait:.0f} s more:", status(pid))
    started = time.monotonic()
    fresh = socket.create_connection(("127.0.0.1", port), timeout=120)
    fresh.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    answer = fresh.recv(100).split(b"\r\n")[0].decode()
    print(f"a fresh request meanwhile: {answer!r} after {time.monotonic() - started:.2f} s")
    for s in socks:
        s.close()


main()

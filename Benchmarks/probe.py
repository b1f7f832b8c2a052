#!/usr/bin/env python3
"""A monitoring probe for the control socket (SPEC §11: GET /v1/status ≤ 5 ms p99 while
booking at full rate): one persistent HTTP/1.1 connection over the Unix socket, one GET at
a time, one every INTERVAL ms, the paths in turn. Runs until SIGTERM, then writes one line
per request to OUT: wall-clock start (ms since the epoch), path, latency (µs), status.

    usage: probe.py SOCKET OUT INTERVAL_MS PATH [PATH...]

A PATH of the form `POST /v1/options@FILE` posts FILE's bytes (a cart) instead of a GET.
"""
import signal
import socket
import sys
import time

sock_path, out_path, interval = sys.argv[1], sys.argv[2], float(sys.argv[3]) / 1000
paths = sys.argv[4:]
running = True


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)


def read_response(connection, buffer):
    """Reads one response (Content-Length or chunked) from the connection; returns (status, rest)."""
    while b"\r\n\r\n" not in buffer:
        chunk = connection.recv(65536)
        if not chunk:
            raise ConnectionError("the daemon closed the connection")
        buffer += chunk
    head, _, body = buffer.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(b":") for line in lines[1:])}
    if b"content-length" in headers:
        length = int(headers[b"content-length"])
        while len(body) < length:
            chunk = connection.recv(65536)
            if not chunk:
                raise ConnectionError("the daemon closed the connection")
            body += chunk
        return status, body[length:]
    # chunked
    while True:
        while b"\r\n" not in body:
            body += connection.recv(65536)
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        while len(rest) < size + 2:
            rest += connection.recv(65536)
        body = rest[size + 2:]
        if size == 0:
            return status, body


def request(path):
    """The request's bytes, made once: a GET, or `POST <path>@<file>` with the file as body."""
    if path.startswith("POST "):
        target, _, file = path[5:].partition("@")
        with open(file, "rb") as body_file:
            body = body_file.read()
        head = f"POST {target} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        return head.encode() + body
    return f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()


requests = {path: request(path) for path in paths}
connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
connection.connect(sock_path)
samples = []
buffer = b""
turn = 0
while running:
    path = paths[turn % len(paths)]
    turn += 1
    started_wall = time.time()
    started = time.perf_counter()
    connection.sendall(requests[path])
    status, buffer = read_response(connection, buffer)
    elapsed = time.perf_counter() - started
    samples.append(f"{int(started_wall * 1000)} {path.split('@')[0].replace(' ', '_')} {int(elapsed * 1e6)} {status}")
    time.sleep(interval)
with open(out_path, "w") as out:
    out.write("\n".join(samples) + "\n")

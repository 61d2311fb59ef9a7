#!/usr/bin/env python3
"""tests/https-server.py: a loopback HTTPS server for the key lookup tests.

Serves ROOT/HOST/PATH (HOST from the Host header, PATH without its query,
percent-decoded) over TLS with the certificate the test made; 404 when
there is no such file.  A host directory holding a file named STALL
answers nothing (until the client gives up or --max-seconds); one holding
BIG sends 50 MB with no Content-Length.  Listens on 127.0.0.1 on a free
port, written to --port-file; stops by itself after --max-seconds.
Every request is logged to ROOT/requests.log as "HOST PATH STATUS".
"""
import argparse
import os
import ssl
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
LOG_LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def note(self, host, path, status):
        with LOG_LOCK:
            with open(os.path.join(ARGS.root, "requests.log"), "a") as f:
                f.write("%s %s %s\n" % (host, path, status))

    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        hostdir = os.path.join(ARGS.root, host)
        if "/.." in path or host.startswith("."):
            return self.plain(host, path, 404)
        if os.path.exists(os.path.join(hostdir, "STALL")):
            self.note(host, path, "stall")
            time.sleep(ARGS.max_seconds)
            return
        if os.path.exists(os.path.join(hostdir, "BIG")):
            self.note(host, path, "big")
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"\x99" * 65536
            try:
                for _ in range(50 * 1024 * 1024 // len(chunk)):
                    self.wfile.write(chunk)
            except OSError:
                pass
            return
        f = os.path.join(hostdir, path.lstrip("/"))
        if not os.path.isfile(f):
            return self.plain(host, path, 404)
        with open(f, "rb") as fh:
            data = fh.read()
        self.note(host, path, 200)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def plain(self, host, path, status):
        self.note(host, path, status)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--max-seconds", type=int, default=120)
    ARGS = p.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(ARGS.cert, ARGS.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(ARGS.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(ARGS.port_file + ".tmp", ARGS.port_file)
    threading.Timer(ARGS.max_seconds, srv.shutdown).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()

"""A local HTTP file server for the fetch tests: serves a folder with Range requests and directory listings, and
plants the faults a real download meets (a connection dropped mid-body, a 404), counting what it was asked."""

from __future__ import annotations

import html
import os
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote


class FileServer:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.drop_once: set[str] = set()  # paths whose next response is cut after half its body
        self.gone: set[str] = set()  # paths answered 404
        self.ignore_range = False
        self.requests: Counter = Counter()
        self.ranges: list[tuple[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_HEAD(self):
                rel = unquote(self.path.split("?", 1)[0]).lstrip("/")
                target = server.folder / rel
                if rel in server.gone or not target.is_file():
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(target.stat().st_size))
                self.end_headers()

            def do_GET(self):
                rel = unquote(self.path.split("?", 1)[0]).lstrip("/")
                server.requests[rel] += 1
                target = (server.folder / rel).resolve()
                if rel in server.gone or not str(target).startswith(str(server.folder.resolve())) or not target.exists():
                    self.send_error(404)
                    return
                if target.is_dir():
                    names = sorted(os.listdir(target))
                    links = "".join(
                        f'<a href="{quote(n)}{"/" if (target / n).is_dir() else ""}">{html.escape(n)}</a>\n'
                        for n in names)
                    body = f'<html><body><a href="../">Parent</a>\n<a href="?C=N;O=D">Name</a>\n{links}</body></html>'
                    data = body.encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                data = target.read_bytes()
                start = 0
                rng = self.headers.get("Range")
                if rng and not server.ignore_range:
                    server.ranges.append((rel, rng))
                    start = int(rng.split("=")[1].split("-")[0])
                    if start >= len(data):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(data)}")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if rel in server.drop_once:
                    server.drop_once.discard(rel)
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

"""Servers for the benchmarks, each run in its own process so that its memory and its
requests per second are its own.

``python benchmarks/servers.py app --db FILE [--tiles URL]``
    The app as ``mapapp serve`` runs it (waitress, 8 threads, the same malloc tuning)
    behind a WSGI wrapper
    that counts what it sends: body and header bytes per request, and the
    ``Content-Encoding`` it chose. ``GET /__bench__/counters`` returns the counts since
    the last ``?reset=1`` as JSON (that request itself is not counted).
``python benchmarks/servers.py static --dir DIR --kind waitress|stdlib``
    A static server sending the exact bytes and headers captured in DIR
    (``<n>.body`` and ``<n>.json`` with the path, status and headers), with waitress
    or the standard library's threaded ``http.server`` (HTTP/1.1, keep-alive).

Each prints ``READY <port>`` on a line of its own once it listens, then serves until
it is killed.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import threading
from collections.abc import Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNTERS = "/__bench__/counters"
THREADS = 8  # as `mapapp serve` (the static servers)


class Counting:
    """WSGI wrapper: records each response's path, status, bytes and encoding."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.records: list[dict[str, Any]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == COUNTERS:
            return self._report(environ, start_response)
        seen: dict[str, Any] = {}

        def counting_start(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            seen["status"] = int(status.split()[0])
            seen["headers"] = len(status) + 11 + sum(len(k) + len(v) + 4 for k, v in headers) + 2
            seen["encoding"] = next(
                (v for k, v in headers if k.lower() == "content-encoding"), "identity"
            )
            return start_response(status, headers, exc_info)

        body = self.app(environ, counting_start)
        query = environ.get("QUERY_STRING", "")
        path = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
        # a list or waitress's file wrapper reaches waitress as it is (wrapping them in a
        # generator would slow the server down)
        size = body.prepare() if hasattr(body, "prepare") else None
        if isinstance(body, list):
            size = sum(len(chunk) for chunk in body)
        if size is not None:
            with self.lock:
                self.records.append({"path": path, "bytes": size, **seen})
            return body
        return self._counted(body, path, seen)

    def _counted(self, body: Iterable[bytes], path: str, seen: dict[str, Any]) -> Iterator[bytes]:
        size = 0
        try:
            for chunk in body:
                size += len(chunk)
                yield chunk
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
            with self.lock:
                self.records.append({"path": path, "bytes": size, **seen})

    def _report(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        reset = "reset" in parse_qs(environ.get("QUERY_STRING", ""))
        with self.lock:
            out = json.dumps(self.records).encode()
            if reset:
                self.records = []
        start_response(
            "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(out)))]
        )
        return [out]


def serve_app(db: str, tiles: str) -> None:
    import waitress

    from mapapp.app import create_app
    from mapapp.cli import SERVE_THREADS, tune_malloc

    app = create_app({"DB": db, "SECRET_KEY": "benchmark", "TILES": tiles})
    tune_malloc()  # as `mapapp serve`
    server = waitress.create_server(Counting(app), host="127.0.0.1", port=0, threads=SERVE_THREADS)
    print(f"READY {server.effective_port}", flush=True)
    server.run()


def captured(directory: Path) -> dict[str, tuple[int, list[tuple[str, str]], bytes]]:
    """path -> (status, headers, body) of the responses captured in ``directory``."""
    out = {}
    for meta in sorted(directory.glob("*.json")):
        doc = json.loads(meta.read_text())
        body = meta.with_suffix(".body").read_bytes()
        headers = [(k, v) for k, v in doc["headers"]] + [("Content-Length", str(len(body)))]
        out[doc["path"]] = (doc["status"], headers, body)
    return out


def serve_static(directory: Path, kind: str) -> None:
    files = captured(directory)
    if kind == "waitress":
        import waitress

        def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            query = environ.get("QUERY_STRING", "")
            path = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
            status, headers, body = files.get(path, (404, [("Content-Length", "0")], b""))
            start_response(f"{status} {'OK' if status == 200 else 'Not Found'}", headers)
            if len(body) >= 64 * 1024:  # as a static server would: the bytes as a file
                return environ["wsgi.file_wrapper"](io.BytesIO(body), 64 * 1024)
            return [body]

        server = waitress.create_server(app, host="127.0.0.1", port=0, threads=THREADS)
        print(f"READY {server.effective_port}", flush=True)
        server.run()
        return

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            status, headers, body = files.get(self.path, (404, [("Content-Length", "0")], b""))
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"READY {httpd.server_port}", flush=True)
    httpd.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    app = sub.add_parser("app")
    app.add_argument("--db", required=True)
    app.add_argument("--tiles", default="")
    static = sub.add_parser("static")
    static.add_argument("--dir", type=Path, required=True)
    static.add_argument("--kind", choices=("waitress", "stdlib"), default="waitress")
    args = parser.parse_args()
    if args.what == "app":
        serve_app(args.db, args.tiles)
    else:
        serve_static(args.dir, args.kind)


if __name__ == "__main__":
    main()

"""Real servers for the multi-process and load tests (and ``benchmarks/writes.py``).

:func:`start_server` runs ``mapapp serve`` (waitress) in its own process on a free
loopback port; :class:`Browser` signs in and talks to it over HTTP with a cookie
jar and the CSRF token, as a curator's browser or script would; :func:`drive`
runs concurrent curators and readers against a server for a few seconds and
returns what every request got.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from werkzeug.security import generate_password_hash

from mapapp import resources
from mapapp.catalog import load_seed, seed
from mapapp.store import Store

MAPAPP = Path(sys.executable).parent / "mapapp"
PASSWORD = "load-test-passphrase"
#: pbkdf2 with few rounds: signing in must not dominate a few seconds of load
FAST_HASH = "pbkdf2:sha256:1000"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seeded_db(path: Path, curators: int = 4, admins: int = 0) -> Path:
    """A database seeded from ``data/`` with curators ``c0``... and admins ``a0``..."""
    store = Store.open(path)
    try:
        seed(store, load_seed(resources.data_dir()))
        pw = generate_password_hash(PASSWORD, method=FAST_HASH)
        for i in range(curators):
            store.create_user(f"c{i}", pw, "curator")
        for i in range(admins):
            store.create_user(f"a{i}", pw, "admin")
    finally:
        store.close()
    return path


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path


def server_env(db: Path, media: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAPAPP_")}
    env.update(
        MAPAPP_INSTANCE=str(db.parent / "instance"),  # never the checkout's instance/
        MAPAPP_DB=str(db),
        MAPAPP_MEDIA_DIR=str(media),
        MAPAPP_TILES="",
        MAPAPP_SECRET_KEY="load-test-secret-key-of-some-length-0123456789",
        MAPAPP_SESSION_COOKIE_SECURE="false",  # plain HTTP on loopback
        MAPAPP_LOGIN_RATE_LIMIT="1000 per minute",
    )
    env.update({f"MAPAPP_{k}": v for k, v in settings.items()})
    return env


@contextmanager
def start_servers(db: Path, tmp: Path, count: int = 1, **settings: str) -> Iterator[list[Server]]:
    """``count`` ``mapapp serve`` processes on one database, each on a free port."""
    servers = []
    try:
        for n in range(count):
            port = free_port()
            log = tmp / f"server-{n}.log"
            out = log.open("wb")
            proc = subprocess.Popen(
                [str(MAPAPP), "serve", "--db", str(db), "--port", str(port)],
                env=server_env(db, tmp / "media", **settings),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            out.close()
            servers.append(Server(f"http://127.0.0.1:{port}", proc, log))
        for server in servers:
            _wait_until_up(server)
        yield servers
    finally:
        for server in servers:
            server.process.terminate()
        for server in servers:
            try:
                server.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()


def _wait_until_up(server: Server, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server stopped:\n{server.log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(
                server.url + "/api/routes/esentai/route.geojson", timeout=2
            ):  # noqa: S310
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"server did not start:\n{server.log.read_text(errors='replace')}")


@contextmanager
def redis_server(tmp: Path) -> Iterator[str]:
    """A throw-away ``redis-server`` on a free loopback port; yields its URI."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise FileNotFoundError("redis-server")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)


class Browser:
    """One curator's browser: cookies, the CSRF token, no redirects followed."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        self.csrf = ""

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        data = None
        hdrs = dict(headers or {})
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
            hdrs["X-CSRFToken"] = self.csrf
        req = urllib.request.Request(  # noqa: S310 (loopback test server)
            self.base_url + path, data=data, method=method, headers=hdrs
        )
        start = time.perf_counter()
        try:
            with self.opener.open(req, timeout=60) as resp:
                payload = resp.read()
                return Reply(resp.status, dict(resp.headers), payload, time.perf_counter() - start)
        except urllib.error.HTTPError as exc:
            payload = exc.read()
            exc.close()
            return Reply(exc.code, dict(exc.headers), payload, time.perf_counter() - start)

    def sign_in(self, username: str, password: str = PASSWORD) -> Reply:
        page = self.request("GET", "/login").body.decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        form = {"username": username, "password": password, "csrf_token": token.group(1)}
        reply = self.request("POST", "/login", form=form)
        if reply.status == 302:
            self.csrf = self.request("GET", "/api/curator/session").json()["csrf_token"]
        return reply


# concurrent curators and readers -----------------------------------------------------------


@dataclass
class Ack:
    """A write the server acknowledged: the work, its new version and title."""

    id: int
    version: int
    title: str
    create: bool = False


@dataclass
class Tally:
    acks: list[Ack] = field(default_factory=list)
    write_seconds: list[float] = field(default_factory=list)
    read_seconds: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    conflicts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, status: int) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    @property
    def errors(self) -> int:
        """Replies of 500 and above (503s included)."""
        return sum(n for s, n in self.statuses.items() if s >= 500)

    def p95(self, values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values or [0])


WORK = {
    "kind": "mural",
    "lat": 43.2399,
    "lon": 76.9203,
    "location_precision": "estimated",
    "source_url": "https://example.org/load",
    "status": "draft",
}


def _curator(url: str, name: str, shared: int, seconds: float, tally: Tally, seed_: int) -> None:
    rnd = random.Random(seed_)
    me = Browser(url)
    assert me.sign_in(name).status == 302, f"{name} could not sign in"
    mine: dict[int, int] = {}  # my works: id -> version
    shared_version = me.request("GET", f"/api/curator/installations/{shared}").json()["version"]
    n = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        n += 1
        title = f"{name} edit {n}"
        if not mine or rnd.random() < 0.15:
            reply = me.request(
                "POST", "/api/curator/installations", body={**WORK, "title": f"{name} work {n}"}
            )
            kind = "create"
        elif rnd.random() < 0.3:  # the work everyone edits: 409s expected, never lost edits
            reply = me.request(
                "PUT",
                f"/api/curator/installations/{shared}",
                body={"version": shared_version, "title": title},
            )
            kind = "shared"
        else:
            work = rnd.choice(list(mine))
            reply = me.request(
                "PUT",
                f"/api/curator/installations/{work}",
                body={"version": mine[work], "title": title},
            )
            kind = "mine"
        tally.count(reply.status)
        with tally.lock:
            tally.write_seconds.append(reply.seconds)
        if reply.status in (200, 201):
            row = reply.json()
            with tally.lock:
                tally.acks.append(Ack(row["id"], row["version"], row["title"], kind == "create"))
            if kind == "shared":
                shared_version = row["version"]
            else:
                mine[row["id"]] = row["version"]
        elif reply.status == 409:
            with tally.lock:
                tally.conflicts += 1
            shared_version = reply.json()["current"]["version"]


READS = (
    "/",
    "/api/routes/esentai/installations.geojson",
    "/api/routes/esentai/nearest?lat=43.24&lon=76.92&n=3",
    "/api/routes/esentai/next?lat=43.24&lon=76.92",
    "/api/routes/esentai/installations/1",
    "/api/routes/esentai/route.geojson",
)


def _reader(url: str, seconds: float, tally: Tally) -> None:
    me = Browser(url)
    deadline = time.monotonic() + seconds
    i = 0
    while time.monotonic() < deadline:
        reply = me.request("GET", READS[i % len(READS)])
        i += 1
        tally.count(reply.status)
        with tally.lock:
            tally.read_seconds.append(reply.seconds)


def drive(urls: list[str], curators: int, readers: int, seconds: float, shared: int = 1) -> Tally:
    """``curators`` writers (``c0``...) and ``readers`` readers for ``seconds``, spread
    over the servers at ``urls``; every reply is counted in the returned tally."""
    tally = Tally()
    threads = [
        threading.Thread(
            target=_curator, args=(urls[i % len(urls)], f"c{i}", shared, seconds, tally, i)
        )
        for i in range(curators)
    ] + [
        threading.Thread(target=_reader, args=(urls[i % len(urls)], seconds, tally))
        for i in range(readers)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally


def versions_now(db: Path) -> dict[int, int]:
    """Every work's version before a run, to compare its history with afterwards."""
    store = Store.open(db)
    try:
        return {r["id"]: r["version"] for r in store.all_installations()}
    finally:
        store.close()


def check_acknowledged(db: Path, tally: Tally, before: dict[int, int]) -> list[str]:
    """Where the database differs from the acknowledged writes (no differences: ``[]``).

    Every acknowledged write is stored (the last one is what the row holds), and
    every version written during the run was acknowledged once: nothing lost,
    nothing doubled. Works created in the run are exactly those acknowledged.
    """
    problems = []
    store = Store.open(db)
    try:
        by_work: dict[int, list[Ack]] = {}
        for ack in tally.acks:
            by_work.setdefault(ack.id, []).append(ack)
        for work_id, acks in by_work.items():
            row = store.installation(work_id, published_only=False)
            if row is None:
                problems.append(f"work {work_id} acknowledged but missing")
                continue
            last = max(acks, key=lambda a: a.version)
            if (row["version"], row["title"]) != (last.version, last.title):
                problems.append(
                    f"work {work_id}: stored v{row['version']} {row['title']!r},"
                    f" acknowledged v{last.version} {last.title!r}"
                )
            start = before.get(work_id, 0)
            written = sorted(h["version"] for h in store.history(work_id) if h["version"] > start)
            acked = sorted(a.version for a in acks)
            if written != acked:
                problems.append(f"work {work_id}: versions written {written}, acked {acked}")
        created = {a.id for a in tally.acks if a.create}
        stored = {
            r["id"]
            for r in store.all_installations()
            if r["id"] not in before and re.fullmatch(r"c\d+ (work|edit) \d+", r["title"])
        }
        if stored != created:
            problems.append(
                f"created works stored {sorted(stored)[:10]}..., acked {sorted(created)[:10]}..."
            )
    finally:
        store.close()
    return problems

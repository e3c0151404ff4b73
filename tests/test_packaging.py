"""The wheel installs and runs: built from a copy of the checkout (sdist, then the
wheel from it), installed not editable into a fresh virtual environment, and run
there with ``mapapp init-db``, ``create-user`` and ``serve`` in an empty folder.

Dependencies are not downloaded again: the fresh environment gets a ``.pth`` line
naming this environment's site-packages. A plain path line runs no import hook, so
the editable install of the checkout stays out and the wheel's ``mapapp`` is the one
imported, which the tests check.
"""

from __future__ import annotations

import html
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: What a checkout holds that is not source: never copied into the build.
NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "instance",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    "test-artifacts",
    "*.mo",
)
PASSWORD = "a long packaging passphrase"


def run(args: list[str | Path], **kwargs) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        **kwargs,
    )
    assert result.returncode == 0, (
        f"{args}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    )
    return result


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without any ``MAPAPP_*`` setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAPAPP_")}
    return {**env, **extra}


def shipped(folder: str) -> set[str]:
    """Every file of a top-level folder of the checkout, relative to it."""
    base = ROOT / folder
    return {p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built like a release: ``python -m build`` (sdist, then wheel)."""
    source = tmp_path_factory.mktemp("build") / "mapapp-source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    dist = source.parent / "dist"
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, source])
    [built] = dist.glob("mapapp-*.whl")
    return built


@dataclass
class Installed:
    venv: Path
    work: Path

    def bin(self, name: str) -> Path:
        return self.venv / "bin" / name


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """A fresh venv holding the wheel (no pip of its own), and an empty working folder."""
    root = tmp_path_factory.mktemp("installed")
    venv = root / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "--no-deps",
            "--no-index",
            wheel,
        ]
    )
    site = run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
    ours = sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")})
    (Path(site.stdout.strip()) / "terrenkur_test_dependencies.pth").write_text(
        "\n".join(ours) + "\n"
    )
    work = root / "work"
    work.mkdir()
    return Installed(venv, work)


def test_wheel_carries_templates_static_files_translations_and_data(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())

    def under(prefix: str) -> set[str]:
        return {n.removeprefix(prefix) for n in names if n.startswith(prefix)}

    assert under("mapapp/_static/") == shipped("static")
    assert under("mapapp/_data/") == shipped("data")
    templates = {
        p.relative_to(ROOT / "mapapp" / "templates").as_posix()
        for p in (ROOT / "mapapp" / "templates").rglob("*.html")
    }
    assert under("mapapp/templates/") == templates
    assert "curator/edit.html" in templates
    assert under("mapapp/translations/") == {
        "messages.pot",
        "kk/LC_MESSAGES/messages.po",
        "ru/LC_MESSAGES/messages.po",
    }
    strays = [n for n in names if n.endswith((".mo", ".tmp", ".pyc")) or "instance" in n]
    assert not strays


def test_the_wheel_is_what_the_fresh_environment_imports(installed: Installed):
    script = (
        "import mapapp, mapapp.resources as r\n"
        "print(mapapp.__file__, r.static_dir(), r.data_dir(), r.translations_dir(), sep='\\n')"
    )
    out = run([installed.bin("python"), "-c", script], cwd=installed.work, env=clean_env())
    paths = [Path(line) for line in out.stdout.splitlines()]
    assert len(paths) == 4
    for path in paths:
        assert path.is_relative_to(installed.venv), f"{path} is not from the installed wheel"
        assert not path.is_relative_to(ROOT)


@dataclass
class Client:
    """Just enough of a browser: cookies kept by name, redirects not followed.

    Like a browser on loopback it sends the session cookie over plain HTTP although
    the app marks it Secure (outside debug it always does).
    """

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, form: dict[str, str] | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = {}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            body = None
            if form is not None:
                body = urlencode(form)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            for cookie in resp.msg.get_all("Set-Cookie") or []:
                name, _, rest = cookie.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return resp.status, resp.getheader("Location") or "", data
        finally:
            conn.close()

    def get(self, path: str):
        return self.request("GET", path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served(installed: Installed) -> Iterator[Client]:
    """``mapapp init-db``, ``create-user`` and ``serve`` from the fresh environment."""
    env = clean_env()
    run([installed.bin("mapapp"), "init-db"], cwd=installed.work, env=env)
    run(
        [installed.bin("mapapp"), "create-user", "aigerim", "--role", "admin"],
        cwd=installed.work,
        env=clean_env(MAPAPP_NEW_PASSWORD=PASSWORD),
    )
    port = free_port()
    log = installed.work.parent / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(  # noqa: S603
            [str(installed.bin("mapapp")), "serve", "--port", str(port)],
            cwd=installed.work,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"mapapp serve stopped (exit {server.returncode}):\n{log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"mapapp serve did not listen on {port}:\n{log.read_text()}")
                time.sleep(0.2)
        yield Client(port)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def test_installed_app_serves_the_map_its_script_and_the_curator_pages(
    served: Client, installed: Installed
):
    status, _, body = served.get("/esentai/")
    assert status == 200
    page = body.decode("utf-8")
    assert "Esentai" in page and 'class="folium-map"' in page
    scripts = [html.unescape(s) for s in re.findall(r'<script[^>]* src="(/static/[^"]+)"', page)]
    assert any(s.startswith("/static/js/terrenkur.js?v=") for s in scripts), scripts
    for src in scripts:
        status, _, script = served.get(src)
        assert status == 200, src
        assert script == (ROOT / "static" / src.removeprefix("/static/").split("?")[0]).read_bytes()

    status, location, _ = served.get("/curator/new")
    assert status == 302 and location.startswith("/login?next=")
    status, _, body = served.get("/login")
    assert status == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', body.decode("utf-8"))
    assert token, "no CSRF token on the sign-in form"
    form = {"username": "aigerim", "password": PASSWORD, "csrf_token": token.group(1)}
    status, location, _ = served.request("POST", "/login?next=/curator/new", form)
    assert (status, location) == (302, "/curator/new")
    status, _, body = served.get("/curator/new")
    assert status == 200 and 'name="title"' in body.decode("utf-8")

    # the instance folder is the working folder's, never the installed package's
    instance = installed.work / "instance"
    for name in ("mapapp.sqlite", "secret_key", "translations/ru/LC_MESSAGES/messages.mo"):
        assert (instance / name).is_file(), name
    assert not list(installed.venv.rglob("instance"))
    assert not list(installed.venv.rglob("*.mo"))

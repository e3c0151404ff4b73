"""The service worker keeps nothing a signed-in curator sees that the public cannot:
a draft's photo and the curator pages never reach its caches, and signing out
clears what it holds, so the next person on that browser cannot fetch them."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_support import (
    LiveServer,
    QuietHandler,
    build_db,
    hold_workers_to,
    timeout_ms,
    timeout_s,
)
from PIL import Image
from playwright.sync_api import expect
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from mapapp.app import create_app
from mapapp.photos import store_photo
from mapapp.records import Installation
from mapapp.store import Store

pytestmark = pytest.mark.browser

READY_MS = timeout_ms(20_000)
PASSWORD = "a long curator passphrase"
LIST_CACHES = """async () => {
  const out = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const req of await cache.keys()) out.push(name + " " + req.url);
  }
  return out;
}"""
FETCH_STATUS = "(url) => fetch(url).then((r) => r.status, () => 'failed')"


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, "JPEG")
    return out.getvalue()


def _work(id: int, slug: str, status: str, photo: str, lat: float) -> Installation:
    return Installation(
        id=id,
        slug=slug,
        title=slug.replace("-", " ").capitalize(),
        kind="sculpture",
        lat=lat,
        lon=76.9195,
        location_precision="approximate",
        source_url="https://example.org/private",
        status=status,
        photo=photo,
    )


@pytest.fixture(scope="module")
def private_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LiveServer, dict[str, Installation]]]:
    """A live server with a draft and a published work, each with a photo, and a curator."""
    root = tmp_path_factory.mktemp("private")
    media = root / "media"
    draft = _work(
        9201, "secret-draft", "draft", store_photo(_jpeg((200, 30, 30)), media, 10**7), 43.248
    )
    public = _work(
        9202, "public-work", "published", store_photo(_jpeg((30, 30, 200)), media, 10**7), 43.249
    )
    db = build_db(root / "mapapp.sqlite", [draft, public])
    store = Store.open(db)
    store.create_user("aigerim", generate_password_hash(PASSWORD), "curator")
    store.close()
    config = {
        "TESTING": True,
        "DB": str(db),
        "SECRET_KEY": "test",
        "TILES": "",
        "MEDIA_DIR": str(media),
    }
    app = create_app(config)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    live = LiveServer(f"http://127.0.0.1:{server.port}", server.port, Path(db), config)
    yield live, {"draft": draft, "public": public}
    server.shutdown()
    thread.join(timeout=timeout_s(10))
    server.server_close()


def private_urls(kept: list[str], works: dict[str, Installation]) -> list[str]:
    """Cached URLs only a signed-in curator may see: the draft's photo, curator pages."""
    paths = [urlsplit(k.split(" ", 1)[1]).path for k in kept]
    return [p for p in paths if works["draft"].photo in p or p.startswith(("/curator", "/login"))]


def _ready(page) -> None:
    expect(page.locator("html")).to_have_attribute("data-offline-ready", "true", timeout=READY_MS)
    page.evaluate("() => TerrenkurOffline.keepNow()")


def test_nothing_private_is_kept_and_sign_out_clears_the_rest(open_page, private_server):
    private_server, works = private_server
    draft_photo = private_server.url(f"/media/phone/{works['draft'].photo}")
    public_photo = private_server.url(f"/media/phone/{works['public'].photo}")
    g = open_page(private_server, "desktop")
    hold_workers_to(g)
    page = g.page

    # a walker's visit: the public map and its photos are kept
    g.open_map("/esentai/")
    _ready(page)
    assert any(public_photo in k for k in page.evaluate(LIST_CACHES))

    # a curator signs in on the same browser and opens a draft with its photo
    page.goto(private_server.url("/login?next=/curator/9201"))
    page.fill("input[name=username]", "aigerim")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/curator/9201")
    shown = page.locator(".current-photo img").first
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=shown.element_handle()
    )
    assert page.evaluate(FETCH_STATUS, draft_photo) == 200
    assert private_urls(page.evaluate(LIST_CACHES), works) == []
    g.open_map("/esentai/")  # the map, signed in: nothing of this visit is kept either
    page.wait_for_function("() => document.documentElement.hasAttribute('data-offline-ready')")
    page.evaluate("() => TerrenkurOffline.keepNow()")
    assert private_urls(page.evaluate(LIST_CACHES), works) == []

    # signing out clears what the worker held; the public map is kept again afterwards
    page.goto(private_server.url("/curator"))
    page.get_by_role("button", name="Sign out aigerim").click()
    page.wait_for_selector(".folium-map[data-ready]", state="attached")
    _ready(page)
    kept = page.evaluate(LIST_CACHES)
    assert private_urls(kept, works) == []
    assert any(public_photo in k for k in kept)

    # the next person, offline on that browser, cannot get the draft's photo or pages
    g.ignore_console(r"Failed to load resource: net::ERR_\w+ \[.*(/media/phone/|/curator/9201)")
    page.context.set_offline(True)
    assert page.evaluate(FETCH_STATUS, draft_photo) == "failed"
    assert page.evaluate(FETCH_STATUS, private_server.url("/curator/9201")) == "failed"
    assert page.evaluate(FETCH_STATUS, public_photo) == 200  # the walk still works offline
    page.context.set_offline(False)


def test_signed_in_responses_are_private(private_server):
    server, works = private_server
    client = create_app({**server.config, "WTF_CSRF_ENABLED": False}).test_client()
    anon = client.get(f"/media/phone/{works['public'].photo}")
    assert "public" in anon.headers["Cache-Control"]
    anon.close()
    client.post("/login", data={"username": "aigerim", "password": PASSWORD})
    for path in (
        "/curator",
        "/curator/9201",
        f"/media/phone/{works['draft'].photo}",
        "/api/routes/esentai/installations.geojson",
        "/",
    ):
        resp = client.get(path)
        assert resp.headers["Cache-Control"] == "private, no-store", path
        resp.close()

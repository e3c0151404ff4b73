"""Field survey on a phone ("Add a work here"): the position with its accuracy, the
precision it earns, camera photos, and a queue that survives going offline and is
sent exactly once when the network returns; a queued edit whose work changed
meanwhile becomes a conflict shown side by side, and nothing is overwritten."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from browser_support import LiveServer, hold_workers_to, serve, timeout_ms
from PIL import Image
from playwright.sync_api import expect
from werkzeug.security import generate_password_hash

from mapapp.records import Installation
from mapapp.store import Store

pytestmark = pytest.mark.browser

PASSWORD = "a long curator passphrase"
#: Beside the route, 158 m from the nearest stored work.
HERE = {"latitude": 43.2420, "longitude": 76.9200}
SYNC_MS = timeout_ms(20_000)


@pytest.fixture(scope="module")
def survey_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # every test signs in afresh: more than the sign-in rate limit allows
    for server in serve(
        tmp_path_factory,
        "survey",
        config={"RATELIMIT_ENABLED": False, "MEDIA_DIR": str(tmp_path_factory.mktemp("media"))},
    ):
        store = Store.open(server.db_path)
        store.create_user("aigerim", generate_password_hash(PASSWORD), "curator")
        store.close()
        yield server


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), colour).save(out, "JPEG")
    return out.getvalue()


def _works(server: LiveServer) -> list[dict]:
    store = Store.open(server.db_path)
    try:
        return store.all_installations()
    finally:
        store.close()


def _open_survey(open_page, server: LiveServer, accuracy: float, where: dict | None = None):
    g = open_page(
        server,
        "phone",
        permissions=["geolocation"],
        geolocation={**(where or HERE), "accuracy": accuracy},
    )
    page = g.page
    page.goto(server.url("/login?next=/curator/survey"))
    page.fill("input[name=username]", "aigerim")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/curator/survey")
    page.wait_for_selector(".folium-map[data-ready]", state="attached")
    page.wait_for_selector(".folium-map[data-fix-accuracy]", state="attached")
    return g


#: The browser asks for the site icon when it likes, also while offline.
FAVICON_OFFLINE = r"Failed to load resource: net::ERR_INTERNET_DISCONNECTED \[.*/favicon"


def _count(page) -> int:
    return int(page.get_attribute("#queue-count", "data-count") or "0")


def _wait_sent(page, n: int) -> None:
    """Until the page has sent ``n`` queued changes and shows the queue after it."""
    page.wait_for_function(
        "(n) => +(document.querySelector('.folium-map').dataset.sent || 0) >= n"
        " && !/Sending/.test(document.querySelector('#survey-network').textContent)",
        arg=n,
        timeout=SYNC_MS,
    )


def test_a_good_fix_is_surveyed_and_a_photo_comes_from_the_camera(open_page, survey_server):
    g = _open_survey(open_page, survey_server, 8)
    page = g.page
    expect(page.locator("#fix-readout")).to_have_attribute("data-precision", "surveyed")
    expect(page.locator("#fix-readout")).to_contain_text("±8 m")
    expect(page.locator("#survey-precision")).to_have_value("surveyed")
    assert page.locator("path.fix-accuracy").count() == 1  # the accuracy circle
    # one-handed: the save button is in the bottom bar, on screen without scrolling
    box = page.locator("#survey-save").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844 and box["height"] >= 48
    camera = page.locator("#survey-photos")
    assert camera.get_attribute("capture") == "environment"
    assert camera.get_attribute("accept") == "image/*"
    assert camera.get_attribute("multiple") is not None

    page.fill("#survey-title", "Bronze heron")
    page.select_option("select[name=kind]", "sculpture")
    page.fill("input[name=source_url]", "https://example.org/heron")
    camera.set_input_files(
        [
            {"name": "one.jpg", "mimeType": "image/jpeg", "buffer": _jpeg((200, 40, 40))},
            {"name": "two.jpg", "mimeType": "image/jpeg", "buffer": _jpeg((40, 40, 200))},
        ]
    )
    expect(page.locator("#survey-photos-chosen")).to_contain_text("2 photos")
    page.fill("#survey-photo-author", "Aigerim S.")
    page.select_option("#survey-photo-licence", "CC-BY-SA-4.0")
    page.click("#survey-save")
    _wait_sent(page, 3)  # the work, then its two photos
    heron = [w for w in _works(survey_server) if w["title"] == "Bronze heron"]
    assert len(heron) == 1 and heron[0]["location_precision"] == "surveyed"
    assert heron[0]["status"] == "draft"
    assert heron[0]["position_method"] == "gps" and heron[0]["position_accuracy_m"] == 8.0
    assert heron[0]["surveyed_by"] == "aigerim"  # the source: their survey on site
    store = Store.open(survey_server.db_path)
    try:
        photos = store.work_photos(heron[0]["id"])
    finally:
        store.close()
    assert len(photos) == 2 and heron[0]["photo"] == photos[0]["name"]  # the first: the cover
    assert {(p["author"], p["licence"]) for p in photos} == {("Aigerim S.", "CC-BY-SA-4.0")}
    expect(page.locator("#queue-count")).to_have_attribute("data-count", "0")
    # the credit chosen is the default for the next photos
    expect(page.locator("#survey-photo-author")).to_have_value("Aigerim S.")


def test_a_poor_fix_is_not_surveyed(open_page, survey_server):
    g = _open_survey(open_page, survey_server, 60, {"latitude": 43.2426, "longitude": 76.9200})
    g.ignore_console(r"Failed to load resource: the server responded with a status of 400")
    page = g.page
    expect(page.locator("#fix-readout")).to_have_attribute("data-precision", "approximate")
    expect(page.locator("#fix-readout")).to_contain_text("too coarse")
    expect(page.locator("#survey-precision")).to_have_value("approximate")
    assert page.locator("#survey-precision option[value=surveyed]").is_disabled()
    page.fill("#survey-title", "Coarse fix work")
    page.fill("input[name=source_url]", "https://example.org/coarse")
    page.click("#survey-save")
    _wait_sent(page, 1)
    rows = [w for w in _works(survey_server) if w["title"] == "Coarse fix work"]
    assert len(rows) == 1 and rows[0]["location_precision"] == "approximate"

    # a second work of the same title is refused (its link is taken): kept, shown, fixable
    page.click("[data-nudge=n]")
    page.fill("#survey-title", "Coarse fix work")
    page.click("#survey-save")
    refused = page.locator("#queue-list .queue-item[data-state=invalid]")
    expect(refused).to_contain_text("This slug is used by another work", timeout=SYNC_MS)
    refused.get_by_role("button", name="Edit it").click()
    expect(page.locator("#survey-title")).to_have_value("Coarse fix work")
    page.fill("#survey-title", "Coarse fix work, second")
    page.click("#survey-save")
    _wait_sent(page, 2)
    expect(page.locator("#queue-count")).to_have_attribute("data-count", "0")
    titles = [w["title"] for w in _works(survey_server)]
    assert titles.count("Coarse fix work") == 1 and titles.count("Coarse fix work, second") == 1


def test_the_server_refuses_surveyed_for_a_poor_fix(open_page, survey_server):
    """The page only proposes: a forged "surveyed" with a 60 m fix is refused."""
    g = _open_survey(open_page, survey_server, 60)
    page = g.page
    result = page.evaluate(
        """async () => {
          const s = await (await fetch('/api/curator/session')).json();
          const r = await fetch('/api/curator/installations', {method: 'POST',
            headers: {'Content-Type': 'application/json', 'X-CSRFToken': s.csrf_token},
            body: JSON.stringify({title: 'Forged', kind: 'mural', lat: 43.2420, lon: 76.9200,
              source_url: 'https://example.org/', location_precision: 'surveyed', placed: 'gps',
              fix: {lat: 43.2420, lon: 76.9200, accuracy_m: 60,
                    fixed_at: new Date().toISOString()}})});
          return [r.status, await r.json()];
        }"""
    )
    assert result[0] == 400 and result[1]["codes"] == {"location_precision": "surveyed_needs_fix"}
    g.ignore_console(r"Failed to load resource: the server responded with a status of 400")


def _add_work(server: LiveServer, slug: str, lat: float, lon: float) -> dict:
    store = Store.open(server.db_path)
    try:
        work = Installation(
            **{
                "slug": slug,
                "title": slug.replace("-", " ").capitalize(),
                "kind": "sculpture",
                "lat": lat,
                "lon": lon,
                "location_precision": "approximate",
                "source_url": "https://example.org/",
                "description": "As first written.",
                "status": "published",
            }
        )
        return store.create_installation(work.model_dump(), "someone")
    finally:
        store.close()


def _tap_work(page, work: dict) -> None:
    """Tap a stored work's ring on the map: the form then edits it."""
    page.wait_for_function("() => +(document.querySelector('.folium-map').dataset.works || 0) > 0")
    page.wait_for_function("() => !TerrenkurSurvey.map._animatingZoom")
    page.evaluate(
        """([lat, lon]) => { const m = TerrenkurSurvey.map;
             m.getContainer().scrollIntoView({block: "start"});
             m.setView([lat, lon], 18, {animate: false}); }""",
        [work["lat"], work["lon"]],
    )
    mode = page.locator("#survey-mode-text")
    for _ in range(3):  # a tap landing while the map still moves is a tap on the map
        page.wait_for_timeout(timeout_ms(200))
        xy = page.evaluate(
            """([lat, lon]) => { const m = TerrenkurSurvey.map;
                 const p = m.latLngToContainerPoint([lat, lon]);
                 const r = m.getContainer().getBoundingClientRect();
                 return [r.left + p.x, r.top + p.y]; }""",
            [work["lat"], work["lon"]],
        )
        page.touchscreen.tap(xy[0], xy[1])
        if work["title"] in (mode.text_content() or ""):
            break
    expect(mode).to_contain_text(work["title"])


def test_offline_queue_of_two_works_and_an_edit_is_sent_exactly_once(open_page, survey_server):
    bench = _add_work(survey_server, "old-bench", 43.2438, 76.9200)
    g = _open_survey(open_page, survey_server, 8, {"latitude": 43.2434, "longitude": 76.9200})
    page = g.page
    before = len(_works(survey_server))
    g.ignore_console(FAVICON_OFFLINE)
    page.context.set_offline(True)
    expect(page.locator("#survey-network")).to_contain_text("Offline")

    page.fill("#survey-title", "Offline one")
    page.fill("input[name=source_url]", "https://example.org/one")
    page.click("#survey-save")
    expect(page.locator("#queue-count")).to_have_attribute("data-count", "1")
    for _ in range(3):
        page.click("[data-nudge=s]")  # 6 m south: a second work beside the first
    expect(page.locator("#near-warning")).to_contain_text("Offline one")  # queued works count
    page.fill("#survey-title", "Offline two")
    page.fill("input[name=source_url]", "https://example.org/two")
    page.click("#survey-save")
    expect(page.locator("#queue-count")).to_have_attribute("data-count", "2")
    _tap_work(page, bench)
    page.fill("textarea[name=description]", "Repainted green, seen on site.")
    page.click("#survey-save")
    expect(page.locator("#queue-count")).to_have_attribute("data-count", "3")
    expect(page.locator("#queue-count")).to_contain_text("3 changes waiting")
    assert len(_works(survey_server)) == before  # nothing sent while offline

    # back online, the first answer is lost on the way back: the server has the work,
    # the page does not know it; the queue is sent again and adds nothing twice
    lost: list[str] = []

    def lose_answer(route) -> None:
        if route.request.method == "POST" and not lost:
            route.fetch()  # the server does the work...
            lost.append(route.request.headers.get("idempotency-key", ""))
            route.abort("connectionreset")  # ...and the answer never arrives
        else:
            route.fallback()

    g.ignore_console(r"Failed to load resource: net::ERR_CONNECTION_RESET")
    page.route("**/api/curator/installations", lose_answer)
    page.context.set_offline(False)
    for _ in range(200):  # until the sync the "online" event started has lost its answer
        if lost:
            break
        page.wait_for_timeout(timeout_ms(100))
    expect(page.locator("#survey-network")).to_contain_text("Offline")  # it stopped there
    expect(page.locator("#queue-count")).to_have_attribute("data-count", "3")
    assert lost and lost[0]
    page.unroute("**/api/curator/installations", lose_answer)
    page.click("#sync-now")
    _wait_sent(page, 3)
    expect(page.locator("#queue-count")).to_have_attribute("data-count", "0")

    works = _works(survey_server)
    assert len(works) == before + 2
    assert [w["title"] for w in works].count("Offline one") == 1
    assert [w["title"] for w in works].count("Offline two") == 1
    edited = next(w for w in works if w["id"] == bench["id"])
    assert edited["description"] == "Repainted green, seen on site." and edited["version"] == 2
    store = Store.open(survey_server.db_path)
    try:
        assert [h["action"] for h in store.history(bench["id"])] == ["update", "create"]
    finally:
        store.close()

    # sending the same queue again (a second tab, a retry) changes nothing
    page.evaluate("() => document.querySelector('#sync-now').click()")
    page.wait_for_timeout(timeout_ms(300))
    assert len(_works(survey_server)) == before + 2


def test_a_queued_edit_of_a_work_changed_meanwhile_is_a_conflict(open_page, survey_server):
    kiosk = _add_work(survey_server, "green-kiosk", 43.2442, 76.9200)
    g = _open_survey(open_page, survey_server, 8, {"latitude": 43.2446, "longitude": 76.9200})
    page = g.page
    g.ignore_console(r"Failed to load resource: the server responded with a status of 409")
    g.ignore_console(FAVICON_OFFLINE)
    page.context.set_offline(True)
    _tap_work(page, kiosk)
    page.fill("textarea[name=description]", "Typed on site: the kiosk is green.")
    page.click("#survey-save")
    expect(page.locator("#queue-count")).to_have_attribute("data-count", "1")

    # meanwhile another curator changes the same work at the desk
    store = Store.open(survey_server.db_path)
    try:
        store.update_installation(
            kiosk["id"], {"description": "Changed at the desk."}, 1, "someone-else"
        )
    finally:
        store.close()

    page.context.set_offline(False)
    item = page.locator("#queue-list .queue-item[data-state=conflict]")
    expect(item).to_be_visible(timeout=SYNC_MS)
    row = item.locator("tr.differs")
    expect(row.locator("td.mine")).to_have_text("Typed on site: the kiosk is green.")
    expect(row.locator("td.theirs")).to_have_text("Changed at the desk.")
    expect(item.locator("caption")).to_contain_text("version 2")
    now = next(w for w in _works(survey_server) if w["id"] == kiosk["id"])
    assert now["description"] == "Changed at the desk." and now["version"] == 2  # not overwritten

    # the typed change is kept on the phone: still there after a reload
    page.reload()
    page.wait_for_selector(".folium-map[data-ready]", state="attached")
    expect(page.locator("#queue-list .queue-item[data-state=conflict] td.mine")).to_have_text(
        "Typed on site: the kiosk is green."
    )
    # the curator decides: their change over the new version
    page.click("#queue-list .keep-mine")
    _wait_sent(page, 1)
    now = next(w for w in _works(survey_server) if w["id"] == kiosk["id"])
    assert now["description"] == "Typed on site: the kiosk is green." and now["version"] == 3
    expect(page.locator("#queue-count")).to_have_attribute("data-count", "0")


LIST_CACHES = """async () => {
  const out = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const req of await cache.keys()) out.push(name + " " + new URL(req.url).pathname);
  }
  return out;
}"""
SURVEY_DB_EXISTS = (
    "async () => (await indexedDB.databases()).some((d) => d.name === 'terrenkur-survey')"
)


def test_the_page_opens_again_offline_and_signing_out_forgets_it(open_page, survey_server):
    g = _open_survey(open_page, survey_server, 8, {"latitude": 43.2458, "longitude": 76.9200})
    hold_workers_to(g)
    page = g.page
    expect(page.locator("html")).to_have_attribute("data-survey-kept", "true", timeout=SYNC_MS)
    kept = page.evaluate(LIST_CACHES)
    assert "terrenkur-curator-v1 /curator/survey" in kept
    assert "terrenkur-curator-v1 /api/curator/installations" in kept
    # nothing private went into the caches the public pages share (its files are public)
    shared = [k.split(" ", 1) for k in kept if not k.startswith("terrenkur-curator-v1 ")]
    assert [p for _, p in shared if "curator" in p and not p.startswith("/static/")] == []

    # no signal, the tab reloaded: the page comes from the worker, and still queues
    g.ignore_console(FAVICON_OFFLINE)
    g.ignore_console(r"Failed to load resource: net::ERR_INTERNET_DISCONNECTED")
    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector(".folium-map[data-ready]", state="attached")
    page.wait_for_selector(".folium-map[data-fix-accuracy]", state="attached")
    page.wait_for_function("() => +(document.querySelector('.folium-map').dataset.works || 0) > 0")
    page.fill("#survey-title", "Saved with no signal")
    page.fill("input[name=source_url]", "https://example.org/no-signal")
    page.click("#survey-save")
    expect(page.locator("#queue-count")).to_have_attribute("data-count", "1")

    # signing out with a change not sent yet warns first, and nothing is lost by asking
    page.get_by_role("button", name="Sign out aigerim").click()
    expect(page.locator("#signout-warning")).to_be_visible()
    expect(page.locator("#signout-warning-text")).to_contain_text("1 change has not been sent")
    page.click("#signout-stay")
    page.context.set_offline(False)
    _wait_sent(page, 1)
    expect(page.locator("#queue-count")).to_have_attribute("data-count", "0")
    assert [w["title"] for w in _works(survey_server)].count("Saved with no signal") == 1

    # with everything sent, signing out deletes the kept page, the works list and the queue
    page.get_by_role("button", name="Sign out aigerim").click()
    page.wait_for_url(lambda url: "/curator/survey" not in url)
    page.wait_for_load_state("load")
    left = [k.split(" ", 1)[1] for k in page.evaluate(LIST_CACHES)]
    assert [p for p in left if "curator" in p and not p.startswith("/static/")] == []
    assert page.evaluate(SURVEY_DB_EXISTS) is False
    g.ignore_console(r"Failed to load resource: net::ERR_\w+ \[.*/curator/survey")
    page.context.set_offline(True)
    assert (
        page.evaluate(
            "(u) => fetch(u).then((r) => r.status, () => 'failed')",
            survey_server.url("/curator/survey"),
        )
        == "failed"
    )
    page.context.set_offline(False)


def test_the_edit_forms_picker_shows_stored_works_and_warns_when_near(open_page, survey_server):
    g = _open_survey(open_page, survey_server, 8)
    page = g.page
    # the map shows the curator's surroundings: zoomed in on the fix
    page.wait_for_function("() => TerrenkurSurvey.map.getZoom() === 18")
    map_box = page.locator(".survey-map").bounding_box()
    assert map_box is not None and map_box["y"] < 200  # not pushed down by the curators' bar
    page.screenshot(path="/tmp/survey-phone.png")
    page.goto(survey_server.url("/curator/new"))
    page.wait_for_selector(".folium-map[data-ready][data-works]", state="attached")
    assert page.locator("path.stored-work").count() > 0
    heron = next(w for w in _works(survey_server) if w["title"] == "Bronze heron")
    # Leaflet drops a new view asked for while its first fit still animates
    page.wait_for_function("() => !TerrenkurCurator.map._animatingZoom")
    xy = page.evaluate(
        """([lat, lon]) => { const m = TerrenkurCurator.map;
             m.getContainer().scrollIntoView({block: "start"});
             m.setView([lat, lon + 0.00004], 19, {animate: false});
             const p = m.latLngToContainerPoint([lat, lon + 0.00004]);
             const r = m.getContainer().getBoundingClientRect();
             return [r.left + p.x, r.top + p.y]; }""",
        [heron["lat"], heron["lon"]],
    )
    page.touchscreen.tap(xy[0], xy[1])  # about 3 m east of the heron
    near = page.locator("#point-near")
    expect(near).to_be_visible()
    expect(near).to_contain_text("“Bronze heron”: is this the same work?")

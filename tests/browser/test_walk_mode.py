"""Walk mode in a real browser, on a phone (390x844), with scripted positions.

An init script replaces ``navigator.geolocation`` (and ``navigator.vibrate``) before
the page's scripts run: the test hands positions to whoever watches, as a phone's
GPS would, walking the shipped route in 10 m steps in either direction. What the
page says is compared with :func:`mapapp.geo.walk_events`, the same rules in Python:
each work nudged (or, off the river walk, announced with its distance) once, in
walking order. Audio stories are short tones made at test time (no audio file is
committed); one plays in its card, one starts by itself in its trigger zone, and one
plays with the network cut after "save this route for offline". The walk screen
passes the axe-core audit.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from browser_support import LiveServer, QuietHandler, build_db, timeout_ms, timeout_s
from playwright.sync_api import expect
from test_accessibility import AXE, serious
from test_offline import TileServer, guard_workers, wait_offline_ready
from werkzeug.serving import make_server

from mapapp import audio, contract, editing, geo, lifecycle
from mapapp.app import create_app
from mapapp.editing import Workspace
from mapapp.store import Store
from tests.audio_support import story

pytestmark = pytest.mark.browser

STEP_M = 10.0
#: Positions handed to the page per call, and the pause after each call.
CHUNK = 40
PAUSE_MS = timeout_ms(300)

FAKE_GEOLOCATION = """
(() => {
  const watchers = {};
  let nextId = 1;
  const geo = window.__geo = { watchers, watches: 0, clears: 0, options: [], vibrations: [] };
  const fake = {
    getCurrentPosition(ok, err) {
      if (geo.last) ok(geo.last); else if (err) err({ code: 2, message: "no fix yet" });
    },
    watchPosition(ok, err, options) {
      const id = nextId++;
      watchers[id] = { ok, err };
      geo.watches += 1;
      geo.options.push(options || {});
      return id;
    },
    clearWatch(id) { if (watchers[id]) { delete watchers[id]; geo.clears += 1; } }
  };
  Object.defineProperty(navigator, "geolocation", { value: fake, configurable: true });
  navigator.vibrate = (pattern) => { geo.vibrations.push(pattern); return true; };
  geo.emit = (points, accuracy) => {
    for (const [lon, lat] of points) {
      geo.last = {
        coords: { latitude: lat, longitude: lon, accuracy: accuracy || 6, heading: null,
                  speed: null, altitude: null, altitudeAccuracy: null },
        timestamp: Date.now()
      };
      Object.values(watchers).forEach((w) => w.ok(geo.last));
    }
    return Object.keys(watchers).length;
  };
  geo.deny = () => Object.values(watchers).forEach(
    (w) => w.err && w.err({ code: 1, message: "User denied Geolocation" }));
})();
"""


# the server: the shipped walk, two works with an English story, one wider zone ---------


def route_of(db: Path) -> geo.Route:
    store = Store.open(db)
    try:
        return geo.Route.from_coords(store.current_route()["coordinates"])
    finally:
        store.close()


def prepare(db: Path, media: Path) -> dict[str, Any]:
    """Stories for the first two works reached walking forward; a 60 m zone for a third."""
    store = Store.open(db)
    try:
        route = geo.Route.from_coords(store.current_route()["coordinates"])
        rows = store.installations()
        chainage, offset = route.locate([r["lon"] for r in rows], [r["lat"] for r in rows])
        on_route = sorted(
            (float(c), r["id"]) for r, c, o in zip(rows, chainage, offset, strict=True) if o < 20
        )
        ws = Workspace(store, route, "cora", 1000.0, media)
        first, second = on_route[0][1], on_route[1][1]
        for work, seconds in ((first, 2.0), (second, 3.0)):
            checked = audio.check_audio(story(seconds), 10**6, 60)
            editing.attach_audio(ws, work, "en", checked)
        # a work a little off the path, reached only with a curator's wider zone
        near = [r["id"] for r, o in zip(rows, offset, strict=True) if 35 < o < 55]
        wide = near[0] if near else None
        if wide is not None:
            editing.set_trigger_zone(ws, wide, 60.0)
        return {"story": first, "second": second, "wide": wide}
    finally:
        store.close()


@contextmanager
def walk_app_server(root: Path, tiles: str = "") -> Iterator[tuple[LiveServer, dict]]:
    """The app on the shipped data with the stories of :func:`prepare`."""
    db = build_db(root / "mapapp.sqlite")
    media = root / "media"
    works = prepare(db, media)
    config = {"TESTING": True, "DB": str(db), "SECRET_KEY": "test", "TILES": tiles}
    config["MEDIA_DIR"] = str(media)
    server = make_server(
        "127.0.0.1", 0, create_app(config), threaded=True, request_handler=QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.port}", server.port, db, config), works
    finally:
        server.shutdown()
        thread.join(timeout=timeout_s(10))
        server.server_close()


@pytest.fixture(scope="module")
def walk_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict]]:
    with walk_app_server(tmp_path_factory.mktemp("walk")) as found:
        yield found


def open_walk(open_page, server: LiveServer, path: str = "/esentai/?lang=en", *allow: str):
    g = open_page(server, "phone", allow=list(allow), permissions=["geolocation"])
    g.page.add_init_script(FAKE_GEOLOCATION)
    g.open_map(path)
    g.page.wait_for_function("() => window.TerrenkurWalk && TerrenkurWalk.ready")
    g.page.evaluate("() => TerrenkurWalk.ready")
    return g


def start_walk(page, direction: str = "auto", autoplay: bool = False) -> None:
    if page.locator("#walk-panel").is_hidden():
        page.get_by_role("button", name="Walk", exact=True).click()
    expect(page.locator("#walk-panel")).to_be_visible()
    page.locator(f'#walk-direction input[value="{direction}"]').check()
    if autoplay:
        page.locator("#walk-autoplay").check()
    page.get_by_role("button", name="Start a walk").click()
    expect(page.locator("#walk-panel")).to_have_attribute("data-mode", "walking")


def walk_points(route: geo.Route, start_m: float, end_m: float) -> list[tuple[float, float]]:
    n = int(abs(end_m - start_m) // STEP_M) + 1
    step = STEP_M if end_m >= start_m else -STEP_M
    out = []
    for i in range(n):
        lon, lat = route.point_at(start_m + i * step)
        out.append((lon, lat))
    return out


def emit(page, points: list[tuple[float, float]], accuracy: float = 6.0) -> None:
    for i in range(0, len(points), CHUNK):
        watching = page.evaluate(
            "([pts, acc]) => __geo.emit(pts, acc)", [points[i : i + CHUNK], accuracy]
        )
        assert watching == 1, "the page stopped watching the position"
        page.wait_for_timeout(PAUSE_MS)  # the map's animations (a card opening) run meanwhile


def shown(page, ids: list[int]) -> list[int]:
    """The works of ``ids`` the map shows (its filters: issue 14's "standing now")."""
    return page.evaluate("(ids) => ids.filter((id) => Terrenkur.shown(id))", ids)


def expected_events(server: LiveServer, points, direction: str, page=None) -> list[tuple[str, int]]:
    data = server.get_json("/api/routes/esentai/walk.json", lang="en")
    keep = set(shown(page, [w["id"] for w in data["works"]])) if page is not None else None
    works = [
        geo.WalkWork(w["id"], w["lon"], w["lat"], w["trigger"])
        for w in data["works"]
        if keep is None or w["id"] in keep
    ]
    return geo.walk_events(
        route_of(server.db_path), works, points, direction, far_m=contract.FAR_FROM_ROUTE_M
    )


# 1. nudges once per work, in walking order, both ways --------------------------------------


@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_walking_the_route_nudges_each_work_once_in_order(
    open_page, walk_server, direction, artifacts
):
    server, works = walk_server
    route = route_of(server.db_path)
    ends = (0.0, route.length_m)
    points = walk_points(route, *(ends if direction == "forward" else ends[::-1]))
    g = open_walk(open_page, server)
    page = g.page
    start_walk(page, direction)
    options = page.evaluate("() => __geo.options")
    assert options == [{"enableHighAccuracy": True, "maximumAge": 1000, "timeout": 30000}]

    emit(page, points)
    log = page.evaluate("() => TerrenkurWalk.log()")
    events = [(e["type"], e["id"]) for e in log]
    assert events == expected_events(server, points, direction, page)
    data = server.get_json("/api/routes/esentai/walk.json", lang="en")
    ids = [i for _k, i in events]
    assert len(ids) == len(set(ids)), "a work was announced twice"
    assert set(ids) == set(shown(page, [w["id"] for w in data["works"]])), "a work was missed"
    # walking order: the chainage of what is announced never goes back
    chain = {w["id"]: w["chainage"] for w in data["works"]}
    seq = [chain[i] for i in ids]
    assert seq == sorted(seq, reverse=direction == "backward")
    # off the river walk: announced with its distance from it, never as a nudge
    by_id = {w["id"]: w for w in data["works"]}
    for kind, i in events:
        assert (kind == "off-route") == (by_id[i]["offset"] > by_id[i]["trigger"])
    if works["wide"] is not None:  # a curator's 60 m zone is reached from the path
        assert ("nudge", works["wide"]) in events

    nudges = sum(1 for k, _i in events if k == "nudge")
    assert 0 < len(page.evaluate("() => __geo.vibrations")) <= nudges
    expect(page.locator("#walk-progress")).to_contain_text("walked")
    walked = float(page.locator("#walk-progress").get_attribute("data-walked") or 0)
    assert walked == pytest.approx(route.length_m, abs=STEP_M * 2)
    assert float(page.locator("#walk-progress").get_attribute("data-left") or 1) < STEP_M
    expect(page.locator("#walk-next")).to_have_text("No more works ahead.")
    stats = page.evaluate("() => TerrenkurWalk.stats()")
    assert stats["positions"] == len(points)
    assert stats["redraws"] <= len(points)
    assert stats["cards"] >= 1  # cards opened (each closes once its marker is off screen)
    page.screenshot(path=str(artifacts / f"walk-{direction}-phone.png"))


def test_off_route_works_are_announced_with_their_distance(open_page, walk_server):
    server, _works = walk_server
    route = route_of(server.db_path)
    data = server.get_json("/api/routes/esentai/walk.json", lang="en")
    off = min((w for w in data["works"] if w["access"]), key=lambda w: w["chainage"])
    g = open_walk(open_page, server)
    page = g.page
    start_walk(page, "forward")
    emit(page, walk_points(route, max(0.0, off["chainage"] - 200), off["chainage"] - 40))
    ahead = float(page.locator("#walk-next").get_attribute("data-next-ahead") or -1)
    # the next work: how far off the river walk and from which access point, the turn ahead
    text = page.locator("#walk-next").inner_text()
    if page.locator("#walk-next").get_attribute("data-next-id") == str(off["id"]):
        assert "off the river walk" in text and off["access"]["name"] in text
        assert ahead == pytest.approx(40, abs=STEP_M)
    emit(page, walk_points(route, off["chainage"] - 30, off["chainage"] + 20))
    nudge = page.locator("#walk-nudge")
    expect(nudge).to_be_visible()
    log = page.evaluate("() => TerrenkurWalk.log()")
    assert {"type": "off-route", "id": off["id"]} in [
        {"type": e["type"], "id": e["id"]} for e in log
    ]
    banner = page.locator("#walk-nudge-text").inner_text()
    if nudge.get_attribute("data-id") == str(off["id"]):
        metres = round(off["offset"] / 10) * 10
        assert f"{metres} m off the river walk" in banner
        assert off["access"]["name"] in banner and " min from " in banner


# 2. direction from movement, far from the route, pause and resume, hidden page -----------


def test_direction_far_from_route_pause_and_resume(open_page, walk_server):
    server, _works = walk_server
    route = route_of(server.db_path)
    g = open_walk(open_page, server)
    page = g.page
    start_walk(page, "auto")
    panel = page.locator("#walk-panel")
    # far away: told how far, and the nearest way onto the river walk
    lon, lat = route.point_at(3000.0)
    emit(page, [(lon + 0.03, lat)])
    status = page.locator("#walk-status")
    expect(status).to_have_attribute("data-far", "true")
    assert "from the river walk. The nearest way onto it is" in status.inner_text()
    assert status.get_attribute("data-access")
    # a few steps south (backward) along the route tell the direction
    emit(page, walk_points(route, 3000.0, 2950.0))
    expect(panel).to_have_attribute("data-direction", "backward")
    assert panel.get_attribute("data-direction-inferred") == "true"
    expect(page.locator('.direction button[data-direction="backward"]')).to_have_attribute(
        "aria-pressed", "true"
    )  # the stop list turns round too
    assert "Heading south" in status.inner_text()
    before = page.evaluate("() => TerrenkurWalk.log().length")

    page.get_by_role("button", name="Pause").click()
    assert page.evaluate("() => Object.keys(__geo.watchers).length") == 0
    expect(panel).to_have_attribute("data-mode", "paused")
    page.get_by_role("button", name="Resume").click()
    assert page.evaluate("() => Object.keys(__geo.watchers).length") == 1
    emit(page, walk_points(route, 2950.0, 2900.0))
    # nothing nudged twice after resuming: the same works stay done
    log = page.evaluate("() => TerrenkurWalk.log()")
    ids = [e["id"] for e in log]
    assert len(ids) == len(set(ids)) and len(log) >= before

    # walking keeps the watch while the page is hidden; paused, a hidden page holds none
    page.evaluate(
        "() => { Object.defineProperty(document, 'hidden', {value: true, configurable: true});"
        " document.dispatchEvent(new Event('visibilitychange')); }"
    )
    assert page.evaluate("() => Object.keys(__geo.watchers).length") == 1
    page.get_by_role("button", name="End the walk").click()
    assert page.evaluate("() => Object.keys(__geo.watchers).length") == 0
    assert page.evaluate("() => __geo.watches") == page.evaluate("() => __geo.clears")


def test_a_refused_position_is_said_in_the_page_language(open_page, walk_server):
    server, _works = walk_server
    g = open_walk(open_page, server, "/esentai/?lang=ru")
    page = g.page
    page.locator("#walk-open").click()
    page.locator("#walk-start").click()
    page.evaluate("() => __geo.deny()")
    text = page.locator("#walk-status").inner_text()
    assert "denied" not in text.lower() and "недоступно" in text


# 3. audio -------------------------------------------------------------------------------------


def playing(page, selector: str) -> None:
    page.wait_for_function(
        f"() => {{ const a = document.querySelector({selector!r});"
        " return a && !a.paused && a.currentTime > 0.2; }",
        timeout=timeout_ms(15_000),
    )


def test_story_plays_in_the_card_and_starts_by_itself(open_page, walk_server):
    server, works = walk_server
    route = route_of(server.db_path)
    data = server.get_json("/api/routes/esentai/walk.json", lang="en")
    first = next(w for w in data["works"] if w["id"] == works["story"])
    second = next(w for w in data["works"] if w["id"] == works["second"])
    g = open_walk(open_page, server)
    page = g.page

    # the card's player, with the text as its transcript
    page.get_by_role("button", name="Walk", exact=True).click()
    page.evaluate(f"() => Terrenkur.openStop({first['id']})")
    player = page.locator(f'.leaflet-popup audio[data-work-id="{first["id"]}"]')
    expect(player).to_be_attached()
    assert player.get_attribute("preload") == "none"
    note = page.locator(f"#{player.get_attribute('aria-describedby')}")
    expect(note).to_have_text("The text of this card is the story's transcript.")
    expect(page.locator(".leaflet-popup .walk-audio-label")).to_contain_text("Audio story, 0:02")
    page.locator(".leaflet-popup .walk-audio-label").click()  # a gesture, as a walker's tap
    player.evaluate("(a) => a.play()")
    playing(page, f'.leaflet-popup audio[data-work-id="{first["id"]}"]')
    player.evaluate("(a) => a.pause()")
    page.evaluate("() => Terrenkur.map.closePopup()")

    # walking into the second work's zone with the switch on: its story starts
    start_walk(page, "forward", autoplay=True)
    assert page.locator("#walk-autoplay").is_checked()
    emit(page, walk_points(route, max(0.0, second["chainage"] - 60), second["chainage"]))
    playing(page, f'.leaflet-popup audio[data-work-id="{second["id"]}"]')


def test_autoplay_is_off_by_default(open_page, walk_server):
    server, works = walk_server
    route = route_of(server.db_path)
    data = server.get_json("/api/routes/esentai/walk.json", lang="en")
    second = next(w for w in data["works"] if w["id"] == works["second"])
    g = open_walk(open_page, server)
    page = g.page
    start_walk(page, "forward")
    assert not page.locator("#walk-autoplay").is_checked()
    emit(page, walk_points(route, max(0.0, second["chainage"] - 60), second["chainage"]))
    player = page.locator(f'.leaflet-popup audio[data-work-id="{second["id"]}"]')
    expect(player).to_be_attached()
    page.wait_for_timeout(timeout_ms(500))
    assert player.evaluate("(a) => a.paused")


# 4. accessibility of the walk screen ---------------------------------------------------------


def test_walk_screen_passes_the_audit(open_page, walk_server):
    server, works = walk_server
    route = route_of(server.db_path)
    data = server.get_json("/api/routes/esentai/walk.json", lang="en")
    first = next(w for w in data["works"] if w["id"] == works["story"])
    g = open_walk(open_page, server)
    page = g.page
    page.get_by_role("button", name="Walk", exact=True).click()
    assert not serious(AXE.run(page))
    start_walk(page, "forward")
    emit(page, walk_points(route, max(0.0, first["chainage"] - 60), first["chainage"]))
    expect(page.locator("#walk-nudge")).to_be_visible()
    page.wait_for_function(
        "() => { const p = document.querySelector('.leaflet-popup');"
        " return p !== null && getComputedStyle(p).opacity === '1'; }"
    )
    problems = serious(AXE.run(page))
    assert not problems, "\n".join(problems)
    # the walk controls are touch-sized
    for sel in ("#walk-close", "#walk-pause", "#walk-end", "#walk-follow", "#walk-nudge-open"):
        box = page.locator(sel).bounding_box()
        assert box and box["height"] >= 44, sel


# 5. offline: the route saved with its stories ------------------------------------------------


@pytest.fixture(scope="module")
def offline_walk_server(tmp_path_factory) -> Iterator[tuple[LiveServer, dict, TileServer]]:
    tile_server = TileServer()
    try:
        root = tmp_path_factory.mktemp("walk-offline")
        with walk_app_server(root, tile_server.template) as (server, works):
            yield server, works, tile_server
    finally:
        tile_server.close()


def test_saved_route_includes_the_stories_and_they_play_offline(open_page, offline_walk_server):
    server, works, tile_server = offline_walk_server
    data = server.get_json("/api/routes/esentai/walk.json", lang="en")
    g = open_walk(open_page, server, "/esentai/?lang=en", tile_server.origin + "/")
    guard_workers(g, tile_server.origin + "/")
    page = g.page
    wait_offline_ready(page)
    g.open_panel()
    save = page.get_by_role("button", name="Save this route for offline")
    save.scroll_into_view_if_needed()
    expect(save).to_be_enabled()
    save.click()
    estimate = page.locator("#save-route-estimate")
    expect(estimate).to_be_visible()
    assert data["audioBytes"] > 0
    assert page.locator("#save-route-confirm").get_attribute("data-audio-bytes") == str(
        data["audioBytes"]
    )
    text = estimate.inner_text()
    assert re.search(r"Audio stories in this language: 2, [\d.,]+ KB\.", text), text
    assert re.search(r"About [\d.,]+ (KB|MB) in all\.", text), text
    page.get_by_role("button", name="Download").click()
    progress = page.locator("#save-route-progress")
    expect(progress).to_have_attribute("data-state", "saved", timeout=timeout_ms(60_000))
    assert progress.get_attribute("data-audio-saved") == "2"
    stats = page.evaluate("() => TerrenkurOffline.stats()")
    kept = next(v for k, v in stats["caches"].items() if "audio" in k)
    assert kept["entries"] == 2 and kept["bytes"] == data["audioBytes"]

    # no signal: the story plays from the copy
    page.context.set_offline(True)
    g.ignore_console(re.escape(tile_server.origin))
    page.keyboard.press("Escape")
    page.evaluate(f"() => Terrenkur.openStop({works['story']})")
    player = page.locator(f'.leaflet-popup audio[data-work-id="{works["story"]}"]')
    expect(player).to_be_attached()
    page.locator(".leaflet-popup .walk-audio-label").click()
    player.evaluate("(a) => a.play()")
    playing(page, f'.leaflet-popup audio[data-work-id="{works["story"]}"]')


# 6. walk mode with the map's filters (issue 14) and a followed tour (tours.js) ------------


@pytest.fixture(scope="module")
def filtered_walk_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LiveServer, dict]]:
    """The walk server with a tour of three works against the route's direction and a
    fourth work on the path that was removed in 2020 (gone: not standing now)."""
    with walk_app_server(tmp_path_factory.mktemp("walk-filtered")) as (server, works):
        store = Store.open(server.db_path)
        try:
            route = geo.Route.from_coords(store.current_route()["coordinates"])
            rows = store.installations()
            chainage, offset = route.locate([r["lon"] for r in rows], [r["lat"] for r in rows])
            today = dt.date.today()
            on_route = sorted(
                (float(c), r["id"], r["slug"])
                for r, c, o in zip(rows, chainage, offset, strict=True)
                if o < 15 and lifecycle.state_on(r, today) != "gone"
            )
            taken = {works["story"], works["second"], works["wide"]}
            free, places = [], set()
            for w in on_route:  # one work per place: the order of the nudges is clear
                if w[1] not in taken and round(w[0]) not in places:
                    free.append(w)
                    places.add(round(w[0]))
            tour = [free[-1], free[len(free) // 2], free[1]]  # walking backward
            gone = free[0]
            store.create_record(
                "tour",
                {
                    "slug": "backwards",
                    "name": "Backwards",
                    "works": ";".join(w[2] for w in tour),
                    "duration_min": 30,
                },
                "test",
            )
            store.add_life_entry(gone[1], {"status": "removed", "date": "2020-05"}, "test")
        finally:
            store.close()
        found = {"tour": [w[1] for w in tour], "gone": gone[1], "gone_m": gone[0]}
        yield server, {**works, **found}


def test_walk_mode_follows_a_tour_in_its_order(open_page, filtered_walk_server):
    server, works = filtered_walk_server
    route = route_of(server.db_path)
    g = open_walk(open_page, server, "/esentai/?tour=backwards&lang=en")
    page = g.page
    page.wait_for_function("() => window.Terrenkur.tour")
    assert page.evaluate("() => Terrenkur.tour.ids") == works["tour"]
    start_walk(page)  # "auto": the tour's order says which way
    panel = page.locator("#walk-panel")
    expect(panel).to_have_attribute("data-tour", "backwards")
    expect(panel).to_have_attribute("data-direction", "backward")
    emit(page, walk_points(route, route.length_m, 0.0))
    log = page.evaluate("() => TerrenkurWalk.log()")
    assert [(e["type"], e["id"]) for e in log] == [("nudge", i) for i in works["tour"]]
    expect(page.locator("#walk-next")).to_have_text("No more works ahead.")


def test_walk_mode_nudges_only_works_standing_now(open_page, filtered_walk_server):
    server, works = filtered_walk_server
    route = route_of(server.db_path)
    gone = works["gone"]
    g = open_walk(open_page, server)
    page = g.page
    assert shown(page, [gone]) == []  # the map's default: what stands now
    segment = walk_points(route, max(0.0, works["gone_m"] - 150), works["gone_m"] + 150)
    start_walk(page, "forward")
    emit(page, segment)
    ids = [e["id"] for e in page.evaluate("() => TerrenkurWalk.log()")]
    assert gone not in ids
    assert ids, "the works standing on the way were nudged"
    # "show works that are gone": the map shows it, and walk mode nudges it
    page.get_by_role("button", name="End the walk").click()
    page.evaluate("() => document.getElementById('show-gone').click()")
    page.wait_for_function(f"() => Terrenkur.shown({gone})")
    start_walk(page, "forward")
    emit(page, segment)
    log = page.evaluate("() => TerrenkurWalk.log()")
    assert ("nudge", gone) in [(e["type"], e["id"]) for e in log]

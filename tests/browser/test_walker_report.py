"""A walker on a phone reports that a work's information is wrong, with a photo; a
curator on a phone accepts it from the review queue; the walker sees the change on
the public map, and nothing the walker typed ran as HTML anywhere."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from browser_support import LiveServer, serve
from PIL import Image
from werkzeug.security import generate_password_hash

from mapapp.store import Store

pytestmark = pytest.mark.browser

PASSWORD = "a long curator passphrase"
HOSTILE = "<img src=x onerror=alert(1)> It stands by the bridge now."


@pytest.fixture(scope="module")
def report_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    for server in serve(tmp_path_factory, "reports"):
        store = Store.open(server.db_path)
        store.create_user("aigerim", generate_password_hash(PASSWORD), "curator")
        store.close()
        yield server


def _jpeg(tmp_path) -> str:
    path = tmp_path / "bench.jpg"
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 60)).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


def test_a_walkers_report_flows_through_the_queue_to_a_published_change(
    open_page, report_server, tmp_path
):
    slug = "auezov-theatre"
    walker = open_page(report_server, "phone")
    page = walker.open_map(f"/esentai/installations/{slug}")
    link = page.locator(".leaflet-popup-content .report-link")
    link.wait_for()
    # follow the popup's link (read, not clicked: a popup still panning into view on a
    # phone may move under the pointer)
    page.goto(report_server.url(link.get_attribute("href")))
    page.wait_for_selector("form.report-form")
    assert f"/esentai/installations/{slug}/report" in page.url
    page.check("input[name=problem][value=wrong_info]")
    page.fill("textarea[name=message]", HOSTILE)
    page.fill("input[name=contact]", "walker@example.org")
    page.set_input_files("input[name=photo_file]", _jpeg(tmp_path))
    page.click("form.report-form button[type=submit]")
    page.wait_for_selector("[role=status]")
    assert "/esentai/reports/thanks" in page.url
    # nothing is public yet
    page = walker.open_map(f"/esentai/installations/{slug}")
    page.wait_for_selector(".leaflet-popup-content .description")
    assert "by the bridge" not in page.text_content(".leaflet-popup-content")

    curator = open_page(report_server, "phone")
    cpage = curator.page
    cpage.goto(report_server.url("/curator/reports"))
    cpage.fill("input[name=username]", "aigerim")
    cpage.fill("input[name=password]", PASSWORD)
    cpage.click("button[type=submit]")
    cpage.goto(report_server.url("/curator/reports"))
    cpage.click("table.reports a")
    cpage.wait_for_selector("form.accept-form")
    assert HOSTILE in cpage.text_content("blockquote.report-message")  # shown as text
    assert cpage.locator("img[src=x]").count() == 0
    cpage.fill("form.accept-form textarea[name=description]", "The theatre, by the bridge.")
    cpage.check("input[name=take_photo]")
    cpage.fill("input[name=photo_author]", "A walker")
    cpage.select_option("select[name=photo_licence]", "CC-BY-4.0")
    cpage.click("form.accept-form button[type=submit]")
    cpage.wait_for_selector(".flash")
    assert "Accepted" in cpage.text_content(".flash")
    cpage.goto(report_server.url("/curator/reports"))
    assert "No reports here." in cpage.text_content("main")

    # the walker sees the change and the photo with its credit
    page = walker.open_map(f"/esentai/installations/{slug}")
    page.wait_for_selector(".leaflet-popup-content .gallery img.photo")
    popup = page.text_content(".leaflet-popup-content")
    assert "The theatre, by the bridge." in popup
    assert "Photo: A walker" in popup and "CC BY 4.0" in popup
    page.wait_for_function(
        "() => { const i = document.querySelector('.leaflet-popup-content .gallery img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )

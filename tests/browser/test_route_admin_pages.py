"""An admin lists the routes and adds one, on a phone and on a desktop: the list and
the form fit the screen, an error shows next to its field, and the new route asks for
its line."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_support import LiveServer, serve
from werkzeug.security import generate_password_hash

from mapapp.store import Store

pytestmark = pytest.mark.browser

PASSWORD = "a long admin passphrase"


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    for server in serve(tmp_path_factory, "route-admin"):
        store = Store.open(server.db_path)
        store.create_user("ainur", generate_password_hash(PASSWORD), "admin")
        store.close()
        yield server


def _fits(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("viewport_name", ["desktop", "phone"])
def test_admin_lists_routes_and_adds_one(open_page, admin_server, viewport_name):
    g = open_page(admin_server, viewport_name)
    g.ignore_console("status of 400")  # the form sent with errors answers 400, on purpose
    page = g.page
    page.goto(admin_server.url("/curator/routes"))
    page.fill("input[name=username]", "ainur")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("tr[data-slug=esentai]")
    assert page.url.endswith("/curator/routes")
    assert "km" in page.text_content("tr[data-slug=esentai]")
    assert _fits(page)

    page.click("text=Add a route")
    page.wait_for_selector("form.edit-form")
    assert _fits(page)
    key = f"test-{viewport_name}"
    page.fill("input[name=slug]", "planner")
    page.fill("input[name=name]", f"Test walk ({viewport_name})")
    page.fill("input[name=city]", "Astana (test)")
    page.fill("input[name=languages]", "kk;ru;kk")
    page.click("form.edit-form button[type=submit]")
    page.wait_for_selector("#error-slug")
    assert "pages" in page.text_content("#error-slug")
    assert "once" in page.text_content("#error-languages")
    assert page.get_attribute("input[name=slug]", "aria-invalid") == "true"

    page.fill("input[name=slug]", key)
    page.fill("input[name=languages]", "kk;ru;en")
    page.click("form.edit-form button[type=submit]")
    page.wait_for_selector("#no-line")
    assert page.url.endswith("/line")
    assert _fits(page)
    page.goto(admin_server.url("/curator/routes"))
    assert "no line yet" in page.text_content(f"tr[data-slug={key}]")

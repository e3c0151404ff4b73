"""Real-browser fixtures: one headless Chromium, live servers in threads, guarded pages.

Every page opened through :func:`open_page` gets a route handler that aborts any
request leaving ``http://127.0.0.1:<port>/`` of its server (and records it), and
listeners that collect console errors, uncaught page errors and every request
URL. The fixture's teardown asserts that nothing was blocked and nothing went
wrong in the console, so every test checks it without saying so.

Chromium comes from the system (``/usr/bin/chromium``, Debian's package); when it
is missing the tests fail with a message saying how to install it. Never run
``playwright install`` here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    EXPECT_TIMEOUT_MS,
    TIMEOUT_MS,
    VIEWPORTS,
    Guarded,
    LiveServer,
    serve,
)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app on the shipped data, tiles off."""
    yield from serve(tmp_path_factory, "live")


# browser ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium "
            "(apt-get install -y chromium). Do not run `playwright install`.",
            pytrace=False,
        )
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)  # its own default is not scaled
    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
    finally:
        pw.stop()


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    """``"phone"`` (390x844, touch) or ``"desktop"`` (1280x800)."""
    return request.param


@pytest.fixture
def open_page(browser) -> Iterator[Callable[..., Guarded]]:
    """Factory: a new context and page on ``server``, guarded; checked at teardown.

    ``allow`` lists extra URL prefixes that may be requested (for example a tile
    server on another loopback port); ``context_options`` go to ``new_context``.
    """
    opened: list[tuple[Any, Guarded]] = []

    def _open(
        server: LiveServer,
        viewport: str = "desktop",
        *,
        allow: Iterable[str] = (),
        **context_options: Any,
    ) -> Guarded:
        options = {**VIEWPORTS[viewport], "locale": "en-GB", **context_options}
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        guarded = Guarded(page, server, viewport)
        opened.append((context, guarded))
        allowed = (server.base_url + "/", *allow)

        def route(r) -> None:
            url = r.request.url
            if url.startswith(allowed) or url.startswith("data:"):
                r.continue_()
            else:
                guarded.blocked.append(url)
                r.abort("blockedbyclient")

        def on_console(msg) -> None:
            if msg.type == "error":
                loc = msg.location or {}
                guarded.console_errors.append(f"{msg.text} [{loc.get('url', '')}]")

        def on_dialog(dialog) -> None:
            guarded.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.route("**/*", route)
        page.on("console", on_console)
        page.on("pageerror", lambda exc: guarded.page_errors.append(str(exc)))
        page.on("request", lambda req: guarded.requests.append(req.url))
        page.on("dialog", on_dialog)
        return guarded

    yield _open

    failures: list[str] = []
    for context, guarded in opened:
        failures += guarded.problems()
        context.close()
    assert not failures, "the page misbehaved:\n" + "\n".join(failures)


@pytest.fixture
def guarded(open_page, live_server: LiveServer, viewport: str) -> Guarded:
    """A guarded page on the default live server at the test's viewport."""
    return open_page(live_server, viewport)

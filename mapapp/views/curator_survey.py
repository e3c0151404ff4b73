"""Field survey for curators on a phone: "Add a work here".

The page places a work at the phone's position (its accuracy drawn as a circle),
lets the curator nudge it, take photos with the camera and save, online or not:
``static/js/survey.js`` queues new works, edits and photos in the browser
(IndexedDB) and sends them through the curator JSON API (:mod:`.curator_api`) when
the network is back, each with its ``Idempotency-Key``. The precision is the one
the placement earns (:mod:`mapapp.survey`), checked by the server. This module only
renders the page and its settings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, render_template, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from .. import contract, provenance, survey
from ..web.assets import asset_url
from ..web.auth import role_required
from ..web.gallery import licence_labels
from ..web.labels import kind_labels, near_work_text, precision_labels
from ..web.walk import current_walk
from .offline import OfflinePage

bp = Blueprint("curator_survey", __name__)

SETTINGS_ID = "survey-settings"


def _strings() -> dict[str, str]:
    """What the script says, in the request's language; ``{name}`` are filled in."""
    return {
        "locating": _("Finding your position…"),
        "noGeolocation": _(
            "This browser gives no position: tap the map to place the work (approximate)."
        ),
        "denied": _(
            "The position is not shared with this page: tap the map to place the work "
            "(approximate), or allow location for this site."
        ),
        "fixGood": _(
            "Position ±%(acc)s m at %(time)s: good enough for “surveyed on site”.",
            acc="{acc}",
            time="{time}",
        ),
        "fixPoor": _(
            "Position ±%(acc)s m at %(time)s: too coarse for “surveyed on site” (at most "
            "%(max)s m); the point will be approximate. Wait for a better fix or move into "
            "the open.",
            acc="{acc}",
            time="{time}",
            max="{max}",
        ),
        "nudged": _("Moved %(m)s m from your position.", m="{m}"),
        "nudgedFar": _(
            "Moved %(m)s m from your position: more than %(max)s m, so the point is approximate.",
            m="{m}",
            max="{max}",
        ),
        "tapped": _("Placed on the map by hand: approximate."),
        "typed": _("Placed from typed coordinates: estimated, unless you know better."),
        "near": near_work_text(),
        "queued": _plural(
            lambda n: ngettext(
                "%(num)s change waiting to be sent", "%(num)s changes waiting to be sent", n
            )
        ),
        "nothingQueued": _("Everything is sent."),
        "offline": _("Offline: changes are kept on this phone and sent when the network returns."),
        "online": _("Online."),
        "syncing": _("Sending…"),
        "synced": _("Sent."),
        "signIn": _("Sign in again to send the waiting changes; they are kept on this phone."),
        "signInLink": _("Sign in"),
        "savedLocally": _("Saved on this phone: “%(title)s”.", title="{title}"),
        "newWork": _("New work at this point"),
        "editing": _("Editing “%(title)s” (version %(v)s)", title="{title}", v="{v}"),
        "editThis": _("Edit “%(title)s”", title="{title}"),
        "create": _("New work “%(title)s”", title="{title}"),
        "edit": _("Change to “%(title)s”", title="{title}"),
        "photo": _("Photo for “%(title)s”", title="{title}"),
        "waiting": _("waiting"),
        "sending": _("sending"),
        "invalid": _("needs attention"),
        "conflict": _("changed by someone else meanwhile"),
        "photoWaits": _("waits for its work to be sent"),
        "conflictTitle": _(
            "“%(title)s” was changed on the server (now version %(v)s) after you read it. "
            "Nothing was overwritten; your change is kept here.",
            title="{title}",
            v="{v}",
        ),
        "field": _("Field"),
        "mine": _("Your change"),
        "theirs": _("On the server now"),
        "keepMine": _("Send my change over version %(v)s", v="{v}"),
        "discard": _("Discard my change"),
        "discardSure": _("Really discard it? Tap again"),
        "retry": _("Try again"),
        "loadBack": _("Edit it"),
        "titleRequired": _("Give the work a title."),
        "placeFirst": _("Place the point first: wait for your position or tap the map."),
        "signOutWarning": _plural(
            lambda n: ngettext(
                "%(num)s change has not been sent yet: signing out deletes it from this phone.",
                "%(num)s changes have not been sent yet: signing out deletes them from this phone.",
                n,
            )
        ),
        "signOutAnyway": _("Sign out and delete them"),
        "stay": _("Stay and send them first"),
        "photosChosen": _plural(
            lambda n: ngettext("%(num)s photo chosen", "%(num)s photos chosen", n)
        ),
    }


def _plural(message: Callable[[int], str]) -> dict[str, str]:
    """A counted message in each plural form of the language (CLDR's ``one``,
    ``few``, ``many``, ``other``), ``{num}`` for the count: the script picks the form
    with ``Intl.PluralRules``."""
    locale = get_locale()
    forms: dict[str, str] = {}
    for n in (1, 2, 5, 0):
        category = locale.plural_form(n) if locale else ("one" if n == 1 else "other")
        forms.setdefault(category, message(n).replace(str(n), "{num}", 1))
    return forms


def _id_template(endpoint: str) -> str:
    """The URL of ``endpoint`` for any work, with ``{id}`` where its id goes."""
    url = url_for(endpoint, id=0)
    path, sep, query = url.partition("?")
    head, _slash, tail = path.rpartition("/0")
    return f"{head}/{{id}}{tail}{sep}{query}"


def _settings() -> dict[str, Any]:
    urls = {
        "works": url_for("curator_api.list_installations"),
        "work": _id_template("curator_api.get_installation"),
        "session": url_for("curator_api.session_info"),
        "locate": url_for("curator_api.locate"),
        "editPage": _id_template("curator.edit"),
        "login": url_for("account.login", next=url_for("curator_survey.page")),
        "photos": _id_template("curator_photos.add_photo"),
    }
    offline = OfflinePage()
    return {
        "user": current_user.username,
        "worker": offline.worker_url,
        "scope": offline.scope,
        "contract": contract.browser_contract(urls),
        "surveyedMaxAccuracyM": survey.SURVEYED_MAX_ACCURACY_M,
        "maxNudgeM": survey.MAX_NUDGE_M,
        "approximateMaxAccuracyM": provenance.APPROXIMATE_ACCURACY_M,
        "nudgeStepM": 2,
        "strings": _strings(),
        "fieldLabels": {
            "title": _("Title"),
            "kind": _("Kind"),
            "description": _("Description"),
            "address": _("Address or landmark"),
            "source_url": _("Source (web address)"),
            "source_note": _("Source note"),
            "lat": _("Latitude"),
            "lon": _("Longitude"),
            "location_precision": _("How precise is this location?"),
            "file": _("Photo"),
            "author": _("Photographer"),
            "licence": _("Licence"),
        },
    }


@bp.get("/curator/survey")
@role_required("curator")
def page():
    from .. import maps  # folium: loaded by the first page that draws a map

    walk = current_walk()
    config = current_app.config
    m = maps.point_picker_map(
        [list(c) for c in walk.route.line_lonlat.coords],
        tiles_url=config["TILES"] or None,
        tiles_attribution=config["TILES_ATTRIBUTION"],
        asset_url=asset_url,
        settings_id=SETTINGS_ID,
        entry="TerrenkurSurvey.mount",
        scripts=maps.SURVEY_SCRIPTS,
    )
    return render_template(
        "curator/survey.html",
        map_parts=maps.render_parts(m),
        settings=_settings(),
        settings_id=SETTINGS_ID,
        scripts=[asset_url(p) for _n, p in maps.SURVEY_SCRIPTS],
        kinds=kind_labels(),
        precisions=precision_labels(),
        licences=licence_labels(),
    )

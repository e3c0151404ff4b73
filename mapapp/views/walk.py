"""Walk mode: its data for the map page, audio stories, and the curators' page for both.

- ``/api/walk.json``: per language, what ``static/js/walk.js`` needs while walking:
  the route, the access points (the streets crossed, from ``data/geo``), and each
  work's place, trigger zone, nearest access point (for works off the river walk)
  and audio story in that language.
- ``/audio/<name>``: a stored audio story, with Range requests (players seek, and
  ask for parts); public only for published works.
- ``/curator/<id>/walk``: a work's trigger zone and its audio per language, checked
  and stored through :mod:`mapapp.editing` (:mod:`mapapp.audio` reads each file).

The map page's walk panel is ``templates/walk_panel.html``; its settings blob comes
from :class:`WalkPage`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from jinja2.utils import htmlsafe_json_dumps

from .. import audio, contract, editing, geo
from ..catalog import localize_stop, walk_layers
from ..numbers import NumberError, parse_float
from ..records import LANGUAGES, row_error
from ..store import NotFound
from ..web.auth import role_required
from ..web.cache import cached
from ..web.db import get_store
from ..web.i18n import LANGUAGE_NAMES, current_language
from ..web.labels import error_text
from ..web.limits import upload_limit
from ..web.params import json_response
from ..web.routing import API
from ..web.walk import content_order, current_walk, workspace
from .curator import _row_or_404

bp = Blueprint("walk", __name__)

SETTINGS_ID = "walk-settings"
#: The wayfinding layer whose points are the ways onto the river walk.
ACCESS_LAYER = "crossings"
#: Stored audio never changes under its random name.
AUDIO_MAX_AGE_S = 365 * 24 * 3600


# the data walk mode reads ---------------------------------------------------------------


def access_points(lang: str) -> list[dict[str, Any]]:
    """The streets crossed (names in ``lang``) with their chainage on the route."""
    walk = current_walk()
    layer = walk_layers(walk, Path(current_app.config["DATA_DIR"]), lang).get(ACCESS_LAYER)
    if not layer or not layer["features"]:
        return []
    lon = [f["geometry"]["coordinates"][0] for f in layer["features"]]
    lat = [f["geometry"]["coordinates"][1] for f in layer["features"]]
    chainage, offset = walk.route.locate(lon, lat)
    return [
        {
            "name": f["properties"]["name"],
            "lon": lon[i],
            "lat": lat[i],
            "chainage": round(float(chainage[i]), 1),
            "offset": round(float(offset[i]), 1),
        }
        for i, f in enumerate(layer["features"])
    ]


def walk_doc(lang: str) -> dict[str, Any]:
    """Walk mode's data in ``lang`` (cached per data version)."""
    order = content_order()
    walk = current_walk()

    def build() -> dict[str, Any]:
        store = get_store()
        triggers = store.trigger_zones()
        stories: dict[int, dict[str, Any]] = {}
        for row in store.published_audio():
            if row["lang"] == lang:
                stories[row["installation_id"]] = row
        access = access_points(lang)
        index = geo.NearestIndex(
            [a["lon"] for a in access], [a["lat"] for a in access], walk.route.crs
        )
        default_trigger = float(walk.record.get("trigger_m") or contract.TRIGGER_M)
        works = []
        for stop in walk.stops:
            s = localize_stop(stop, lang, order)
            item: dict[str, Any] = {
                "id": s["id"],
                "slug": s["slug"],
                "title": s["title"],
                "titleLang": s["text_lang"]["title"],
                "lat": s["lat"],
                "lon": s["lon"],
                "chainage": round(float(s["chainage_m"]), 1),
                "offset": round(float(s["offset_m"]), 1),
                "trigger": triggers.get(s["id"], default_trigger),
                "access": None,
                "audio": None,
            }
            if s["offset_m"] > item["trigger"] and index.size:  # not reached from the route
                (i, dist), *_rest = index.query(s["lon"], s["lat"])
                item["access"] = {
                    "name": access[i]["name"],
                    "m": round(dist, 1),
                    "chainage": access[i]["chainage"],
                }
            story = stories.get(s["id"])
            if story:
                item["audio"] = {
                    "url": url_for("walk.audio_file", name=story["file"], lang=None),
                    "bytes": story["bytes"],
                    "seconds": story["seconds"],
                    "type": audio.MIME_TYPES[story["file"].rsplit(".", 1)[1]],
                }
            works.append(item)
        return {
            "lang": lang,
            "version": walk.version,
            "lengthM": round(walk.route.length_m, 1),
            "route": [list(c) for c in walk.route.line_lonlat.coords],
            "access": access,
            "works": works,
            "audioBytes": sum(w["audio"]["bytes"] for w in works if w["audio"]),
        }

    return cached("walk-data", (walk.version, lang, request.script_root), build)


@bp.get(f"{API}/walk.json")
def data():
    """Walk mode's data in the page's language (``?lang=``)."""
    return json_response(walk_doc(current_language()))


@bp.get("/audio/<name>")
def audio_file(name: str):
    """A stored audio story (Range requests answered with 206); published works' only,
    unless a curator is signed in (then it is never cached on the way)."""
    if not audio.AUDIO_RE.fullmatch(name):
        abort(404)
    public = get_store().audio_is_public(name)
    if not public and not current_user.is_authenticated:
        abort(404)
    folder = audio.audio_dir(Path(current_app.config["MEDIA_DIR"]))
    resp = send_from_directory(
        folder, name, mimetype=audio.MIME_TYPES[name.rsplit(".", 1)[1]], max_age=AUDIO_MAX_AGE_S
    )
    resp.headers["Accept-Ranges"] = "bytes"
    if public:
        resp.headers["Cache-Control"] = f"public, max-age={AUDIO_MAX_AGE_S}, immutable"
    else:
        resp.headers["Cache-Control"] = "private, no-store"
    return resp


# the map page's walk panel ---------------------------------------------------------------


def walk_strings() -> dict[str, str]:
    """Every string ``walk.js`` shows, translated."""
    return {
        "start": _("Start a walk"),
        "resume": _("Resume"),
        "waiting": _("Waiting for your position…"),
        "paused": _("Walk paused. Your position is not followed."),
        "ended": _("Walk ended."),
        "denied": _(
            "Your position is not available (permission refused or no signal), so walk mode "
            "cannot follow you. The map and the list still work."
        ),
        "unsupported": _("This browser cannot tell the map where you are."),
        "progress": _(
            "%(walked)s walked, %(left)s to the end of the river walk",
            walked="{walked}",
            left="{left}",
        ),
        "heading": _("Heading %(dir)s", dir="{dir}"),
        "inferring": _("Walk a few steps: the direction comes from your movement."),
        "nextOn": _("Next: %(title)s, %(dist)s along the river", title="{title}", dist="{dist}"),
        "nextOff": _(
            "Next: %(title)s, %(off)s off the river walk, %(min)s min from %(access)s; "
            "the turn is %(dist)s along the river",
            title="{title}",
            off="{off}",
            min="{min}",
            access="{access}",
            dist="{dist}",
        ),
        "nextOffNoAccess": _(
            "Next: %(title)s, %(off)s off the river walk; the turn is %(dist)s along the river",
            title="{title}",
            off="{off}",
            dist="{dist}",
        ),
        "noneAhead": _("No more works ahead."),
        "here": _("You are at %(title)s.", title="{title}"),
        "hereMore": _("Other works here: %(n)s.", n="{n}"),
        "offHere": _(
            "%(title)s is %(off)s off the river walk, %(min)s min from %(access)s.",
            title="{title}",
            off="{off}",
            min="{min}",
            access="{access}",
        ),
        "offHereNoAccess": _(
            "%(title)s is %(off)s off the river walk.", title="{title}", off="{off}"
        ),
        "far": _(
            "You are %(dist)s from the river walk. The nearest way onto it is %(access)s, "
            "%(accessDist)s away.",
            dist="{dist}",
            access="{access}",
            accessDist="{accessDist}",
        ),
        "farNoAccess": _("You are %(dist)s from the river walk.", dist="{dist}"),
        "accuracy": _("Position within %(dist)s", dist="{dist}"),
        "story": _("Audio story, %(min)s:%(sec)s", min="{min}", sec="{sec}"),
        "transcript": _("The text of this card is the story's transcript."),
        "m": _("%(n)s m", n="{n}"),
        "km": _("%(n)s km", n="{n}"),
    }


class WalkPage:
    """The walk panel's settings on a map page (none in a static export)."""

    @property
    def settings_json(self) -> str:
        walk = current_walk()
        forward, backward = geo.compass_heading(walk.route)
        settings = {
            "lang": current_language(),
            "data": url_for("walk.data"),
            "headings": {"forward": _(forward), "backward": _(backward)},
            "strings": walk_strings(),
            "contract": contract.browser_contract(**current_walk().contract_args),
        }
        return htmlsafe_json_dumps(settings, separators=(",", ":"))


@bp.app_context_processor
def _walk_in_templates() -> dict[str, Any]:
    return {"walk_page": WalkPage(), "walk_settings_id": SETTINGS_ID}


# the curators' page ----------------------------------------------------------------------


def _media_dir() -> Path:
    return Path(current_app.config["MEDIA_DIR"])


def _page(row: dict[str, Any], errors: dict[str, str], status: int, trigger: str | None = None):
    store = get_store()
    zones = store.trigger_zones()
    if trigger is None:
        trigger = f"{zones[row['id']]:g}" if row["id"] in zones else ""
    config = current_app.config
    return (
        render_template(
            "curator/walk.html",
            row=row,
            errors=errors,
            trigger=trigger,
            stories=store.work_audio(row["id"]),
            languages=LANGUAGE_NAMES,
            default_trigger=contract.TRIGGER_M,
            trigger_min=contract.TRIGGER_MIN_M,
            trigger_max=contract.TRIGGER_MAX_M,
            max_mb=f"{config['AUDIO_MAX_BYTES'] / 1e6:.0f}",
            max_min=f"{config['AUDIO_MAX_SECONDS'] / 60:.0f}",
        ),
        status,
    )


@bp.route("/curator/<int:id>/walk", methods=["GET", "POST"])
@upload_limit("AUDIO_MAX_BYTES")
@role_required("curator")
def curator_page(id: int):
    """A work's trigger zone and audio stories (one form per action)."""
    row = _row_or_404(id)
    if request.method == "GET":
        return _page(row, {}, 200)
    action = request.form.get("action", "")
    ws = workspace()
    config = current_app.config
    try:
        if action == "trigger":
            text = request.form.get("trigger_m", "").strip()
            try:
                value = parse_float(text, 0.0, 1e6) if text else None
            except NumberError:
                value = -1.0  # out of range: said below
            editing.set_trigger_zone(ws, id, value)
            flash(_("Trigger zone saved."))
        elif action in ("upload", "remove"):
            lang = request.form.get("lang", "")
            if lang not in LANGUAGES:
                abort(400, description=_("Choose one of the site's languages."))
            if action == "remove":
                if editing.remove_audio(ws, id, lang):
                    flash(_("Audio story removed (%(lang)s).", lang=LANGUAGE_NAMES[lang]))
            else:
                upload = request.files.get(f"audio_{lang}")
                if upload is None or not upload.filename:
                    err = row_error(0, f"audio_{lang}", "audio_missing", "choose an audio file")
                    return _page(row, {f"audio_{lang}": error_text(err)}, 400)
                limit = int(config["AUDIO_MAX_BYTES"])
                try:
                    checked = audio.check_audio(
                        upload.read(limit + 1), limit, float(config["AUDIO_MAX_SECONDS"])
                    )
                except audio.AudioError as exc:
                    err = row_error(0, f"audio_{lang}", exc.code, str(exc), **exc.params)
                    return _page(row, {f"audio_{lang}": error_text(err)}, 400)
                editing.attach_audio(ws, id, lang, checked)
                flash(_("Audio story saved (%(lang)s).", lang=LANGUAGE_NAMES[lang]))
        else:
            abort(400, description=_("Unknown action."))
    except editing.Invalid as exc:
        errors = {e.field: error_text(e) for e in exc.errors}
        return _page(row, errors, 400, request.form.get("trigger_m", ""))
    except NotFound:
        abort(404)
    return redirect(url_for("walk.curator_page", id=id))

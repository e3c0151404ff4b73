"""The one write path for curators: the rules for a work, and every change to one.

The web form, the write API, the CLI and imports all call these functions, so a
rule is stated and enforced once. Everything is checked before anything is
stored (the photo of a form included); a photo file written for a change that
then fails (a stale version, a slug taken meanwhile) is removed again. Errors are
:class:`Invalid` (a list of :class:`~mapapp.records.RowError`, each with a code
that pages translate), :class:`~mapapp.store.NotFound` and
:class:`~mapapp.store.StaleEdit`. No Flask here.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from slugify import slugify

from . import audio, contract, geo, photos, provenance, survey
from .credits import MAX_PHOTOS_PER_WORK, check_credits
from .records import (
    LANGUAGES,
    Event,
    Installation,
    References,
    RowError,
    looks_like_text,
    row_error,
    split_keys,
    validate_life_entry,
    validate_record,
    validate_row,
)
from .store import EDITABLE, RECORD_EDITABLE, DuplicateSlug, KeyInUse, NotFound, Store

__all__ = [
    "ROUTE_PROVENANCE",
    "Invalid",
    "KeyReused",
    "Replayed",
    "add_photo",
    "delete_photo",
    "reorder_photos",
    "update_photo",
    "Workspace",
    "apply_import",
    "apply_pull",
    "area_error",
    "attach_audio",
    "check_installation",
    "check_record",
    "create_record",
    "add_life_entry",
    "create_work",
    "remove_audio",
    "restore_record",
    "replace_route",
    "restore_work",
    "retire_work",
    "save_record",
    "save_work",
    "withdraw_life_entry",
    "set_trigger_zone",
]


class Invalid(Exception):
    """A change broke the rules; ``errors`` says where and why. Nothing was stored."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors))
        self.errors = errors

    @property
    def by_field(self) -> dict[str, RowError]:
        """The first error of each field."""
        out: dict[str, RowError] = {}
        for e in self.errors:
            out.setdefault(e.field, e)
        return out


class Replayed(dict):
    """The work as it is now, returned for a write whose ``Idempotency-Key`` was seen:
    the write was done before and is not done again."""


#: An ``Idempotency-Key``: 1 to 200 printable ASCII characters, no spaces (a UUID fits).
KEY_RE = re.compile(r"[!-~]{1,200}")

#: Fields only imports set (an OpenStreetMap id is checked against the others there).
IMPORT_ONLY = ("osm_ref",)
#: Route properties about where a line came from: a new line does not inherit them.
ROUTE_PROVENANCE = (
    "source",
    "source_urls",
    "licence",
    "attribution",
    "attribution_url",
    "geometry_precision",
    "precision_note",
    "description",
    "osm_name",
    "osm_ways",
)


@dataclass
class Workspace:
    """What a curator's change needs: the store, the route, the limits, and who."""

    store: Store
    route: geo.Route
    username: str
    max_offset_m: float = 1000.0
    media_dir: Path | None = None


# rules -------------------------------------------------------------------------------


def area_error(
    route: geo.Route,
    lon: float,
    lat: float,
    max_offset_m: float,
    row: int = 0,
    field: str = "lat",
) -> RowError | None:
    """An error when a point is farther than ``max_offset_m`` from the route."""
    _, offset = route.locate([lon], [lat])
    if offset[0] <= max_offset_m:
        return None
    swapped = False
    if -90 <= lon <= 90:
        _, swapped_offset = route.locate([lat], [lon])
        swapped = bool(swapped_offset[0] <= max_offset_m)
    km = f"{offset[0] / 1000:.1f}"
    reason = f"{km} km from the route; works must be within {max_offset_m:,.0f} m of it"
    if swapped:
        reason += "; latitude and longitude look swapped"
    return row_error(
        row,
        field,
        "too_far_swapped" if swapped else "too_far",
        reason,
        km=km,
        max=f"{max_offset_m:,.0f}",
    )


def check_installation(
    data: dict[str, Any],
    route: geo.Route,
    max_offset_m: float,
    previous: dict[str, Any] | None = None,
    refs: References | None = None,
) -> tuple[Installation | None, list[RowError]]:
    """Validate one installation's fields; return the record or its errors.

    A missing slug is made from the title. The distance rule applies to new points
    and moved points, so a work seeded farther away can still be edited without
    moving it. With ``refs``, its festival, edition and artists must exist.
    """
    if not data.get("slug") and data.get("title"):
        data = {**data, "slug": slugify(str(data["title"]), max_length=80)}
    data = _with_fix(data)
    rec, errors = validate_row(data, 0, refs)
    if rec is None:
        return None, errors
    moved = previous is None or (rec.lat, rec.lon) != (previous["lat"], previous["lon"])
    if moved:
        too_far = area_error(route, rec.lon, rec.lat, max_offset_m)
        if too_far:
            return None, [too_far]
    return rec, []


def _with_fix(data: dict[str, Any]) -> dict[str, Any]:
    """The precision from how the point was obtained (:mod:`mapapp.provenance`).

    A point clicked or typed keeps no GPS accuracy or time; a GPS fix without a
    time gets now; without a precision given, the method's precision is used.
    """
    method = data.get("position_method")
    if method not in provenance.METHODS:
        return data
    data = dict(data)
    if method != "gps":
        data.update(position_accuracy_m=None, position_fixed_at="")
    elif data.get("position_accuracy_m") not in (None, "") and not data.get("position_fixed_at"):
        data["position_fixed_at"] = provenance.position_fix("gps").fixed_at
    if not data.get("location_precision"):
        try:
            accuracy = float(data.get("position_accuracy_m") or "nan")
        except (TypeError, ValueError):
            accuracy = math.nan
        data["location_precision"] = provenance.precision_for(method, accuracy)
    return data


def _slug_taken(slug: str) -> Invalid:
    reason = f"{slug!r} is used by another work"
    return Invalid([row_error(0, "slug", "slug_taken", reason, slug=slug)])


@contextmanager
def _photo_for(ws: Workspace, photo: photos.CheckedPhoto | None) -> Iterator[str | None]:
    """Store ``photo`` for the change in the ``with`` block; remove it if that fails."""
    if photo is None:
        yield None
        return
    if ws.media_dir is None:
        raise ValueError("this workspace has no media folder for photos")
    name = photos.save_photo(photo, ws.media_dir)
    try:
        yield name
    except BaseException:
        photos.delete_photo(name, ws.media_dir)
        raise


def _write(
    ws: Workspace,
    rec: Installation,
    photo: photos.CheckedPhoto | None,
    write: Callable[[dict[str, Any]], dict[str, Any]],
    credits: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Store the photo, then the record and the photo's row (added as the work's last
    photo, with ``credits``); a failed write leaves no photo behind."""
    fields = rec.model_dump()
    try:
        with _photo_for(ws, photo) as name, ws.store.write():
            row = write(fields)
            if name:
                ws.store.add_work_photo(row["id"], name, credits or {}, ws.username)
                row = ws.store.installation(row["id"], published_only=False) or row
            return row
    except DuplicateSlug:
        raise _slug_taken(rec.slug) from None


def _photo_credit_errors(
    photo: photos.CheckedPhoto | None, credits: dict[str, Any] | None
) -> tuple[dict[str, Any], list[RowError]]:
    """A form's new photo needs its credit (fields ``photo_author``, ``photo_licence``...)."""
    if photo is None:
        return {}, []
    checked, errors = check_credits(credits or {})
    if checked is None:
        return {}, [replace(e, field=f"photo_{e.field}") for e in errors]
    return checked.model_dump(), []


def forget_files(ws: Workspace, names: list[str]) -> None:
    """Remove the stored files of these names that no row points at any more."""
    if ws.media_dir is None:
        return
    in_use = ws.store.stored_photo_names()
    for name in names:
        if name and name not in in_use:
            photos.delete_photo(name, ws.media_dir)


# changes -----------------------------------------------------------------------------


def _fingerprint(action: str, work_id: int | None, data: dict[str, Any]) -> str:
    doc = json.dumps([action, work_id, data], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(doc.encode("utf-8")).hexdigest()


def _once(
    ws: Workspace,
    key: str | None,
    action: str,
    work_id: int | None,
    data: dict[str, Any],
    change: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """Do ``change`` once per ``key``: a request sent again gets what the first did.

    The key is checked and remembered in the same write transaction as the change,
    so two copies of a request racing each other still change the data once. A key
    sent again with a different change is refused (the client has a bug).
    """
    if key is None:
        return change()
    if not KEY_RE.fullmatch(key):
        reason = "give 1 to 200 printable characters, no spaces (a UUID fits)"
        raise Invalid([row_error(0, "idempotency_key", "key_format", reason)])
    fingerprint = _fingerprint(action, work_id, data)
    with ws.store.write():
        earlier = ws.store.replay(ws.username, key)
        if earlier is not None:
            if earlier["fingerprint"] != fingerprint:
                reason = "this Idempotency-Key was sent before with a different change"
                raise Invalid([row_error(0, "idempotency_key", "key_reused", reason)])
            row = ws.store.installation(earlier["installation_id"], published_only=False)
            if row is None:
                raise NotFound(earlier["installation_id"])
            return Replayed(row)
        row = change()
        ws.store.remember_replay(ws.username, key, action, fingerprint, row["id"], row["version"])
        return row


def _placement(ws: Workspace, data: dict[str, Any]) -> list[RowError]:
    """Set the provenance fields of a point placed on the survey page (``placed``).

    The position method, accuracy and time, and the precision they earn, come from
    :func:`mapapp.survey.placement` (which checks the fix); a point placed from a
    GPS fix was surveyed on site by this curator on the fix's day, unless ``data``
    names another survey. Returns the placement's errors (``data`` then unchanged).
    """
    placed, errors = survey.placement(data)
    if placed is not None:
        data.update(placed.fields())
        if placed.fix is not None and not data.get("surveyed_by"):
            data["surveyed_by"] = ws.username
            data["surveyed_on"] = placed.fix.fixed_at.date().isoformat()
    return errors


def create_work(
    ws: Workspace,
    data: dict[str, Any],
    photo: photos.CheckedPhoto | None = None,
    errors: list[RowError] | None = None,
    credits: dict[str, Any] | None = None,
    *,
    key: str | None = None,
) -> dict[str, Any]:
    """Add a work (a draft unless ``data`` says otherwise) and record it in history.

    ``errors`` are problems the caller found already (e.g. with an upload), reported
    together with the rules' own; with any error nothing is stored. A ``photo``
    becomes its first photo, with ``credits`` (see :mod:`mapapp.credits`). With
    ``placed`` (and a ``fix``) in ``data`` (the field survey page), the point's
    provenance is the one the placement earns (:func:`mapapp.survey.placement`).
    With a ``key`` (a client's ``Idempotency-Key``) a request sent again adds
    nothing and returns the work the first one added, as :class:`Replayed`.
    """
    sent = dict(data)
    data = {k: v for k, v in data.items() if k not in ("id", "photo", *IMPORT_ONLY)}
    data.setdefault("status", "draft")

    def change() -> dict[str, Any]:
        found = _placement(ws, data)
        rec: Installation | None = None
        if not found:
            rec, found = check_installation(
                data, ws.route, ws.max_offset_m, refs=ws.store.references()
            )
        checked_credits, credit_errors = _photo_credit_errors(photo, credits)
        found = [*(errors or []), *found, *credit_errors]
        if rec is None or found:
            raise Invalid(found)
        return _write(
            ws, rec, photo, lambda f: ws.store.create_installation(f, ws.username), checked_credits
        )

    return _once(ws, key, "create", None, sent, change)


def save_work(
    ws: Workspace,
    work_id: int,
    data: dict[str, Any],
    expected_version: int,
    *,
    photo: photos.CheckedPhoto | None = None,
    remove_photo: bool = False,
    errors: list[RowError] | None = None,
    action: str = "update",
    credits: dict[str, Any] | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    """Change the fields in ``data`` of a work still at ``expected_version``.

    Fields not in ``data`` keep their stored values; the photos are changed by
    :func:`add_photo` and the functions after it, except that a ``photo`` given here
    is added as the work's last one (with ``credits``) and ``remove_photo`` removes
    the cover (and its file). Raises :class:`Invalid`, :class:`~mapapp.store.NotFound`
    or :class:`~mapapp.store.StaleEdit` (nothing written). ``placed``/``fix`` and
    ``key`` as for :func:`create_work`: an edit sent again after it was saved returns
    the work (:class:`Replayed`) instead of a conflict with its own earlier copy.
    """

    def change() -> dict[str, Any]:
        previous = ws.store.installation(work_id, published_only=False)
        if previous is None:
            raise NotFound(work_id)
        merged = {k: previous[k] for k in EDITABLE}
        merged.update(
            (k, v) for k, v in data.items() if k in EDITABLE and k not in ("photo", *IMPORT_ONLY)
        )
        merged.update(  # texts in further languages (title_ka); the others stay stored
            (k, v) for k, v in data.items() if k not in EDITABLE and looks_like_text(k, "work")
        )
        if remove_photo:
            merged["photo"] = ""
        found: list[RowError] = []
        if "placed" in data:
            placing = {**merged, "placed": data["placed"], "fix": data.get("fix")}
            if "location_precision" not in data:
                placing.pop("location_precision")  # a new placement earns its own
            found = _placement(ws, placing)
            merged.update((k, placing[k]) for k in EDITABLE if k in placing)
        rec: Installation | None = None
        if not found:
            rec, found = check_installation(
                merged, ws.route, ws.max_offset_m, previous=previous, refs=ws.store.references()
            )
        checked_credits, credit_errors = _photo_credit_errors(photo, credits)
        found = [*(errors or []), *found, *credit_errors]
        if rec is None or found:
            raise Invalid(found)
        saved = _write(
            ws,
            rec,
            photo,
            lambda f: ws.store.update_installation(
                work_id, f, expected_version, ws.username, action=action
            ),
            checked_credits,
        )
        if remove_photo:
            forget_files(ws, [previous.get("photo") or ""])
        return saved

    return _once(ws, key, action, work_id, {**data, "version": expected_version}, change)


def retire_work(ws: Workspace, work_id: int, expected_version: int) -> dict[str, Any]:
    """Take a work off the public map; it stays stored, with its history."""
    return save_work(ws, work_id, {"status": "retired"}, expected_version, action="retire")


def restore_work(
    ws: Workspace, work_id: int, history_id: int, expected_version: int
) -> dict[str, Any]:
    """Make the state in history entry ``history_id`` current again, as a new version."""
    try:
        return ws.store.restore_version(work_id, history_id, expected_version, ws.username)
    except DuplicateSlug as exc:
        raise _slug_taken(str(exc.args[0])) from None


def apply_import(
    ws: Workspace,
    creates: list[dict[str, Any]],
    updates: list[tuple[int, dict[str, Any]]],
) -> None:
    """Apply a checked import plan (:func:`mapapp.exchange.plan_import`) all or nothing."""
    try:
        ws.store.apply_changes(creates, updates, ws.username)
    except DuplicateSlug as exc:
        raise _slug_taken(str(exc.args[0])) from None


def content_languages(store: Store) -> list[str]:
    """The content languages texts are written in (the translations' languages,
    sorted), for the forms to offer; a route's own languages are to be added."""
    return store.translation_languages()


# festivals, editions and artists ----------------------------------------------------------


def check_record(
    kind: str, data: dict[str, Any], refs: References | None = None
) -> tuple[Any, list[RowError]]:
    """Validate a festival, edition or artist; a missing key is made from its name."""
    if not data.get("slug") and data.get("name"):
        data = {**data, "slug": slugify(str(data["name"]), max_length=80)}
    return validate_record(kind, data, 0, refs)


def _unknown_tour_works(store: Store, kind: str, rec: Any) -> list[RowError]:
    """A tour's works must be stored works (drafts too: a tour may be ready first)."""
    if kind != "tour" or rec is None:
        return []
    known = {r["slug"] for r in store.all_installations()}
    missing = [k for k in split_keys(rec.works) if k not in known]
    if not missing:
        return []
    value = ", ".join(missing)
    reason = f"no work has the key {value!r}"
    return [row_error(0, "works", "unknown_work", reason, value=value[:80])]


def _key_error(exc: Exception) -> Invalid:
    key = str(exc.args[0])
    if isinstance(exc, KeyInUse):
        reason = f"works refer to {key!r}, so the key cannot change"
        return Invalid([row_error(0, "slug", "key_in_use", reason, slug=key)])
    reason = f"{key!r} is the key of another record"
    return Invalid([row_error(0, "slug", "key_taken", reason, slug=key)])


def _references(ws: Workspace, kind: str, previous: dict[str, Any] | None) -> References:
    """The records a change is checked against, less the record being changed."""
    refs = ws.store.references()
    if previous is not None and kind == "edition":
        refs.editions.pop(previous["slug"], None)
    return refs


def event_errors(ws: Workspace, rec: Event, previous: dict[str, Any] | None) -> list[RowError]:
    """An event's place: a published work as venue, a point of its own near the route.

    A venue that is a draft or retired is refused (the public could not see it);
    an event already saved with one keeps it while other fields change.
    """
    errors: list[RowError] = []
    if rec.venue and not (previous and previous.get("venue") == rec.venue):
        work = ws.store.installation_by_slug(rec.venue, published_only=False)
        if work is None:
            errors.append(
                row_error(
                    0,
                    "venue",
                    "unknown_venue",
                    f"no work has the key {rec.venue!r}",
                    value=rec.venue,
                )
            )
        elif work["status"] != "published":
            code = "venue_retired" if work["status"] == "retired" else "venue_draft"
            errors.append(
                row_error(
                    0, "venue", code, f"the work {rec.venue!r} is {work['status']}", value=rec.venue
                )
            )
    moved = previous is None or (rec.lat, rec.lon) != (previous.get("lat"), previous.get("lon"))
    if rec.lat is not None and rec.lon is not None and moved:
        too_far = area_error(ws.route, rec.lon, rec.lat, ws.max_offset_m)
        if too_far:
            errors.append(too_far)
    return errors


def _checked(
    ws: Workspace, kind: str, data: dict[str, Any], previous: dict[str, Any] | None
) -> Any:
    rec, errors = check_record(kind, data, _references(ws, kind, previous))
    if rec is not None and isinstance(rec, Event):
        errors = [*errors, *event_errors(ws, rec, previous)]
    errors = errors or _unknown_tour_works(ws.store, kind, rec)
    if rec is None or errors:
        raise Invalid(errors)
    return rec


def create_record(ws: Workspace, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """Add a festival, edition, artist, event or tour (``kind``) and record it in history."""
    rec = _checked(ws, kind, {k: v for k, v in data.items() if k != "id"}, None)
    fields = rec.model_dump(exclude={"id"})
    try:
        return ws.store.create_record(kind, fields, ws.username)
    except DuplicateSlug as exc:
        raise _key_error(exc) from None


def save_record(
    ws: Workspace, kind: str, record_id: int, data: dict[str, Any], expected_version: int
) -> dict[str, Any]:
    """Change a festival, edition or artist still at ``expected_version``.

    Fields not in ``data`` keep their values. The key may change only while no work
    (and, for a festival, no edition) refers to it. Raises :class:`Invalid`,
    :class:`~mapapp.store.NotFound` or :class:`~mapapp.store.StaleEdit`.
    """
    previous = ws.store.record(kind, record_id)
    if previous is None:
        raise NotFound(record_id)
    editable = RECORD_EDITABLE[kind]
    merged = {k: previous[k] for k in editable}
    merged.update((k, v) for k, v in data.items() if k in editable or looks_like_text(k, kind))
    rec = _checked(ws, kind, merged, previous)
    try:
        return ws.store.update_record(
            kind, record_id, rec.model_dump(exclude={"id"}), expected_version, ws.username
        )
    except (DuplicateSlug, KeyInUse) as exc:
        raise _key_error(exc) from None


def restore_record(
    ws: Workspace, kind: str, record_id: int, history_id: int, expected_version: int
) -> dict[str, Any]:
    """Make an earlier state of a festival, edition or artist current, as a new version."""
    try:
        return ws.store.restore_record(kind, record_id, history_id, expected_version, ws.username)
    except (DuplicateSlug, KeyInUse) as exc:
        raise _key_error(exc) from None


# a work's life ---------------------------------------------------------------------------


def add_life_entry(
    ws: Workspace,
    work_id: int,
    data: dict[str, Any],
    photo: photos.CheckedPhoto | None = None,
) -> dict[str, Any]:
    """Add a dated status (proposed, installed, damaged, restored, removed) to a work.

    The photo, if any, is of the work on that date; it is stored only when the
    entry is, and removed again when storing the entry fails.
    """
    if ws.store.installation(work_id, published_only=False) is None:
        raise NotFound(work_id)
    rec, errors = validate_life_entry({**data, "photo": ""})
    if rec is None or errors:
        raise Invalid(errors)
    with _photo_for(ws, photo) as name:
        fields = rec.model_dump()
        fields["photo"] = name or ""
        return ws.store.add_life_entry(work_id, fields, ws.username)


def withdraw_life_entry(ws: Workspace, work_id: int, entry_id: int) -> dict[str, Any]:
    """Withdraw a wrong life entry; it stays stored with who withdrew it and when."""
    return ws.store.withdraw_life_entry(work_id, entry_id, ws.username)


def replace_route(ws: Workspace, coords: list[list[float]], properties: dict[str, Any]) -> int:
    """Make ``coords`` the current route; the old one stays in history.

    The new route keeps the current one's names but none of its provenance
    (:data:`ROUTE_PROVENANCE`): a line from OpenStreetMap says so, and a later
    upload does not claim OSM's licence. Returns the new route's id.
    """
    current = ws.store.current_route()
    kept = {
        k: v
        for k, v in (current["properties"] if current else {}).items()
        if k not in ROUTE_PROVENANCE
    }
    return ws.store.set_route(coords, {**kept, **properties}, ws.username)


def apply_pull(
    ws: Workspace,
    route: tuple[list[list[float]], dict[str, Any]] | None,
    creates: list[dict[str, Any]],
    updates: list[tuple[int, dict[str, Any]]],
) -> None:
    """Apply an OpenStreetMap pull: the new route and the works, in one transaction."""
    with ws.store.write():
        if route is not None:
            replace_route(ws, *route)
        apply_import(ws, creates, updates)


# photos of a work ---------------------------------------------------------------------


class KeyReused(Exception):
    """An ``Idempotency-Key`` already used for an upload to another work."""


def add_photo(
    ws: Workspace,
    work_id: int,
    photo: photos.CheckedPhoto | None,
    credits: dict[str, Any],
    key: str = "",
) -> tuple[dict[str, Any], bool]:
    """Add a checked photo as a work's last photo; ``(photo row, created)``.

    With an idempotency ``key`` this curator used before for this work, nothing is
    stored and the photo then added comes back with ``created`` false (a queue
    replayed twice adds it once). Raises :class:`~mapapp.store.NotFound`,
    :class:`Invalid` (``file`` or a credit field), :class:`KeyReused`.
    """
    if ws.store.installation(work_id, published_only=False) is None:
        raise NotFound(work_id)
    earlier = ws.store.work_photo_by_key(ws.username, key)
    if earlier is not None:
        if earlier["installation_id"] != work_id:
            raise KeyReused(key)
        return earlier, False
    checked, errors = check_credits(credits)
    if photo is None:
        errors = [row_error(0, "file", "photo_missing", "choose a photo file"), *errors]
    elif len(ws.store.work_photos(work_id)) >= MAX_PHOTOS_PER_WORK:
        errors = [
            row_error(
                0,
                "file",
                "too_many_photos",
                f"a work has at most {MAX_PHOTOS_PER_WORK} photos",
                n=MAX_PHOTOS_PER_WORK,
            ),
            *errors,
        ]
    if checked is None or photo is None or errors:
        raise Invalid(errors)
    with _photo_for(ws, photo) as name:
        row, created = ws.store.add_work_photo(
            work_id, name or "", checked.model_dump(), ws.username, key
        )
    if not created:  # the same key won a race meanwhile: keep its photo, not ours
        forget_files(ws, [name or ""])
        if row["installation_id"] != work_id:
            raise KeyReused(key)
    return row, created


def _photo_of(ws: Workspace, work_id: int, photo_id: int) -> dict[str, Any]:
    found = ws.store.work_photo(photo_id)
    if found is None or found["installation_id"] != work_id:
        raise NotFound(photo_id)
    return found


def update_photo(
    ws: Workspace, work_id: int, photo_id: int, data: dict[str, Any]
) -> dict[str, Any]:
    """Change a photo's credit; fields not in ``data`` keep their values."""
    found = _photo_of(ws, work_id, photo_id)
    merged = {**found, **{k: v for k, v in data.items() if v is not None}}
    checked, errors = check_credits(merged)
    if checked is None:
        raise Invalid(errors)
    return ws.store.update_work_photo(photo_id, checked.model_dump())


def delete_photo(ws: Workspace, work_id: int, photo_id: int) -> dict[str, Any]:
    """Remove a work's photo and its file; the next photo becomes the cover."""
    _photo_of(ws, work_id, photo_id)
    gone = ws.store.delete_work_photo(photo_id)
    forget_files(ws, [gone["name"]])
    return gone


def reorder_photos(ws: Workspace, work_id: int, order: list[int]) -> list[dict[str, Any]]:
    """Put a work's photos in the order of ``order`` (their ids); the first is the cover."""
    if ws.store.installation(work_id, published_only=False) is None:
        raise NotFound(work_id)
    try:
        return ws.store.reorder_work_photos(work_id, order)
    except ValueError:
        reason = "give the ids of all the work's photos, each once, in the new order"
        raise Invalid([row_error(0, "order", "photo_order", reason)]) from None


# walk mode: audio stories and trigger zones --------------------------------------------


def attach_audio(ws: Workspace, work_id: int, lang: str, checked: audio.CheckedAudio) -> str:
    """Store a checked audio story as a work's in ``lang``; the file it replaced goes.

    Returns the stored file's name. A write that fails leaves no file behind.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}")
    if ws.media_dir is None:
        raise ValueError("this workspace has no media folder for audio")
    name = audio.save_audio(checked, ws.media_dir)
    try:
        fields = {
            "file": name,
            "format": checked.format,
            "bytes": len(checked.data),
            "seconds": checked.seconds,
            "username": ws.username,
        }
        replaced = ws.store.set_audio(work_id, lang, fields)
    except BaseException:
        audio.delete_audio(name, ws.media_dir)
        raise
    if replaced:
        audio.delete_audio(replaced, ws.media_dir)
    audio.remove_orphans(ws.media_dir, ws.store.audio_file_names())
    return name


def remove_audio(ws: Workspace, work_id: int, lang: str) -> bool:
    """Detach a work's audio story in ``lang`` and delete its file; whether there was one."""
    old = ws.store.remove_audio(work_id, lang)
    if old and ws.media_dir is not None:
        audio.delete_audio(old, ws.media_dir)
        audio.remove_orphans(ws.media_dir, ws.store.audio_file_names())
    return old is not None


def set_trigger_zone(ws: Workspace, work_id: int, trigger_m: float | None) -> None:
    """A work's own trigger zone in metres (``None``: the contract's default).

    Raises :class:`Invalid` (field ``trigger_m``) outside the contract's bounds.
    """
    low, high = contract.TRIGGER_MIN_M, contract.TRIGGER_MAX_M
    if trigger_m is not None and not (low <= trigger_m <= high):
        reason = f"give a distance from {low:g} to {high:g} m"
        raise Invalid(
            [row_error(0, "trigger_m", "trigger_range", reason, min=f"{low:g}", max=f"{high:g}")]
        )
    ws.store.set_trigger_zone(work_id, trigger_m)

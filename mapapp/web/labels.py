"""Translated labels shown by several audiences: kinds, precision, statuses, history.

Each function is called within a request, so its strings are in the request's
language. Templates get the status, action and history labels as globals.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response
from flask_babel import gettext as _

from ..records import RowError
from .params import json_error


def kind_labels() -> dict[str, str]:
    return {
        "sculpture": _("Sculpture"),
        "mural": _("Mural"),
        "installation": _("Installation"),
        "pavilion": _("Pavilion"),
        "event": _("Art event"),
        "venue": _("Cultural venue"),
        "park": _("Park"),
        "landmark": _("Landmark"),
    }


def precision_labels() -> dict[str, str]:
    return {
        "surveyed": _("Surveyed on site"),
        "approximate": _("Approximate (within about 150 m)"),
        "estimated": _("Estimated: the exact spot is not published"),
    }


def status_labels() -> dict[str, str]:
    return {"draft": _("draft"), "published": _("published"), "retired": _("retired")}


def action_labels() -> dict[str, str]:
    return {
        "add": _("add"),
        "change": _("change"),
        "unchanged": _("unchanged"),
        "reject": _("reject"),
    }


def text_status_labels() -> dict[str, str]:
    """How far a language's texts of a record can be trusted (see records.TEXT_STATUSES)."""
    return {
        "": _("no text"),
        "original": _("original"),
        "translated": _("translated by the project, not reviewed"),
        "reviewed": _("reviewed by a native speaker"),
    }


def record_labels() -> dict[str, str]:
    """The kinds of records besides works, singular and plural."""
    return {
        "festival": _("Festival"),
        "edition": _("Edition"),
        "artist": _("Artist"),
        "tour": _("Tour"),
        "tours": _("Tours"),
        "festivals": _("Festivals and editions"),
        "editions": _("Editions"),
        "artists": _("Artists"),
        "event": _("Event"),
        "events": _("Events"),
    }


def event_status_labels() -> dict[str, str]:
    """An event's status (see records.EVENT_STATUSES)."""
    return {
        "announced": _("announced"),
        "on": _("on now"),
        "cancelled": _("cancelled"),
        "past": _("past"),
    }


def life_labels() -> dict[str, str]:
    """What can happen to a work (see records.LIFE_STATUSES)."""
    return {
        "proposed": _("proposed"),
        "installed": _("installed"),
        "damaged": _("damaged"),
        "restored": _("restored"),
        "removed": _("removed"),
    }


def history_labels() -> dict[str, str]:
    return {
        "seed": _("loaded from the data files"),
        "create": _("created"),
        "update": _("edited"),
        "retire": _("retired"),
        "restore": _("restored an earlier version"),
        "import": _("imported"),
    }


def invalid_json(errors: list[RowError]) -> Response:
    """A 400 JSON answer for broken rules: messages per field (``fields``) and codes."""
    codes: dict[str, str] = {}
    for e in errors:
        codes.setdefault(e.field, e.code)
    return json_error(400, _("validation failed"), fields=field_errors(errors), codes=codes)


def init_app(app: Flask) -> None:
    @app.context_processor
    def _labels() -> dict[str, Any]:
        return {
            "status_labels": status_labels,
            "action_labels": action_labels,
            "history_labels": history_labels,
            "text_status_labels": text_status_labels,
            "record_labels": record_labels,
            "event_status_labels": event_status_labels,
            "life_labels": life_labels,
            "error_text": error_text,
        }


def near_work_text() -> str:
    """The picker maps' warning that a point is a few metres from another work."""
    return _(
        "%(m)s m from “%(title)s”: is this the same work? Open it instead of adding it again.",
        m="{m}",
        title="{title}",
    )


def _error_templates() -> dict[str, str]:
    """Every validation rule's message in the request's language; ``{name}`` are params."""
    return {
        "required": _("Required."),
        "too_long": _("Too long: at most %(n)s characters.", n="{max_length}"),
        "unknown_value": _("Unknown value “%(value)s”.", value="{value}"),
        "out_of_range": _("Must be from %(low)s to %(high)s.", low="{low}", high="{high}"),
        "not_whole_number": _("Give a whole number."),
        "not_text": _("Give text."),
        "not_number": _("Give a number, e.g. 43.2417."),
        "slug_format": _("Use lowercase letters, digits and single hyphens, e.g. red-men."),
        "slug_taken": _("This slug is used by another work."),
        "year_format": _("Give a four-digit year, e.g. 2018."),
        "year_range": _(
            "Year %(year)s is not plausible (%(low)s to %(high)s).",
            year="{year}",
            low="{low}",
            high="{high}",
        ),
        "url_format": _("Give a web address starting with https:// or http://."),
        "photo_name": _("The photo must be a stored image name such as ab12.jpg."),
        "too_far": _(
            "%(km)s km from the route; works must be within %(max)s m of it.",
            km="{km}",
            max="{max}",
        ),
        "too_far_swapped": _(
            "%(km)s km from the route; works must be within %(max)s m of it. "
            "Latitude and longitude look swapped.",
            km="{km}",
            max="{max}",
        ),
        "version_missing": _("The form is missing its version; reload the page."),
        "photo_empty": _("The photo file is empty."),
        "photo_too_big": _(
            "The file is %(mb)s MB; photos may be at most %(limit)s MB.",
            mb="{mb}",
            limit="{limit}",
        ),
        "photo_format": _(
            "%(format)s files are not accepted; use JPEG, PNG or WebP.", format="{format}"
        ),
        "photo_pixels": _("The image has too many pixels."),
        "photo_not_image": _("The file is not a JPEG, PNG or WebP image."),
        "photo_damaged": _("The image file is damaged or truncated."),
        "photo_missing": _("Choose a photo file."),
        "too_many_photos": _("A work has at most %(n)s photos.", n="{n}"),
        "photo_order": _("Give the ids of all the work's photos, each once, in the new order."),
        "audio_empty": _("The audio file is empty."),
        "audio_too_big": _(
            "The file is %(mb)s MB; audio may be at most %(limit)s MB.",
            mb="{mb}",
            limit="{limit}",
        ),
        "audio_format": _("The file is not MP3, M4A, Ogg Vorbis or Opus audio."),
        "audio_too_long": _(
            "The story lasts %(minutes)s min; audio may last at most %(limit)s min.",
            minutes="{minutes}",
            limit="{limit}",
        ),
        "audio_damaged": _("The audio file is damaged or has no sound."),
        "audio_missing": _("Choose an audio file."),
        "trigger_range": _(
            "Give a distance from %(min)s to %(max)s m, or leave it empty for the default.",
            min="{min}",
            max="{max}",
        ),
        "file_empty": _("The file is empty."),
        "not_utf8": _("The file is not UTF-8 text (at byte %(byte)s).", byte="{byte}"),
        "not_json": _("Not valid JSON (line %(line)s).", line="{line}"),
        "too_deep": _("The JSON is nested more than %(n)s levels deep.", n="{depth}"),
        "json_number": _(
            "The file holds a number that is not allowed (NaN, Infinity or too many digits)."
        ),
        "field_too_long": _("A field is too long: more than %(n)s characters.", n="{max_length}"),
        "not_feature_collection": _("Expected a GeoJSON FeatureCollection."),
        "no_features": _("The FeatureCollection has no features."),
        "not_point": _("Only Point features can be imported."),
        "bad_coordinates": _("Coordinates must be [lon, lat] numbers."),
        "missing_columns": _("Missing column(s): %(columns)s.", columns="{columns}"),
        "extra_values": _("More values than columns."),
        "no_rows": _("There are no rows to import."),
        "repeats": _("“%(value)s” repeats row %(first)s.", value="{value}", first="{first}"),
        "unknown_festival": _("There is no festival “%(value)s”.", value="{value}"),
        "unknown_edition": _("There is no edition “%(value)s”.", value="{value}"),
        "unknown_artist": _("There is no artist “%(value)s”.", value="{value}"),
        "unknown_work": _("There is no work with the key “%(value)s”.", value="{value}"),
        "repeated_work": _("A work may appear only once in a tour."),
        "edition_festival": _(
            "Edition “%(edition)s” belongs to the festival “%(festival)s”.",
            edition="{edition}",
            festival="{festival}",
        ),
        "date_format": _("Give a date as 2018-08-24, or only 2018-08 or 2018."),
        "date_order": _("The end date is before the start date."),
        "event_time_format": _(
            "Give a day as 2018-09-09, or a day and time as 2018-09-09T12:00 (Almaty time)."
        ),
        "date_impossible": _("%(value)s is not a day or time that exists.", value="{value}"),
        "date_future": _("Give the date it happened: not a date in the future."),
        "event_time_mixed": _("Give both the start and the end as days, or both with a time."),
        "point_half": _("Give both the latitude and the longitude, or neither."),
        "unknown_venue": _("There is no work “%(value)s”.", value="{value}"),
        "venue_draft": _(
            "The work “%(value)s” is a draft: publish it first, or choose another venue.",
            value="{value}",
        ),
        "venue_retired": _(
            "The work “%(value)s” is retired; choose a venue that is on the map.",
            value="{value}",
        ),
        "editions_overlap": _(
            "These dates overlap those of %(edition)s (%(start)s to %(end)s).",
            edition="{edition}",
            start="{start}",
            end="{end}",
        ),
        "keys_format": _(
            "Give artist keys separated by semicolons, e.g. pavel-shorokhov;ruslan-akanayev."
        ),
        "key_taken": _("This key is used by another record of this kind."),
        "key_in_use": _("Works refer to this key, so it cannot change; add a new record instead."),
        # OpenStreetMap data
        "osm_ref_format": _("Give an OpenStreetMap id such as node/123."),
        "osm_ref_taken": _(
            "%(ref)s belongs to installation %(owner)s already.", ref="{ref}", owner="{owner}"
        ),
        "osm_no_position": _(
            "%(ref)s has no position; export it with its centre (Overpass: out center).",
            ref="{ref}",
        ),
        "osm_bad_element": _("Not an OpenStreetMap node, way or relation."),
        "osm_all_left_out": _("No work in the file lies near the route."),
        "not_osm": _("Not an Overpass JSON answer, OSM XML or .osm.pbf file."),
        "not_pbf": _("Not a readable .osm.pbf file."),
        "not_xml": _("Not well-formed XML (line %(line)s).", line="{line}"),
        "xml_forbidden": _(
            "The XML declares a DTD or entities, which are refused (an entity expansion attack?)."
        ),
        "overpass_remark": _("Overpass stopped part way: %(remark)s", remark="{remark}"),
        "too_many_elements": _(
            "More than %(limit)s OpenStreetMap elements; cut the export to the river's corridor.",
            limit="{limit}",
        ),
        "file_too_big": _(
            "The file is %(mb)s MB; at most %(limit)s MB.", mb="{mb}", limit="{limit}"
        ),
        "no_river": _("No waterway named %(name)s in the OpenStreetMap data.", name="{name}"),
        "river_gap": _(
            "The river's ways leave a gap of %(gap)s m near %(at)s; at most %(max)s m is bridged.",
            gap="{gap}",
            at="{at}",
            max="{max}",
        ),
        "river_not_along_route": _("The river line does not run along the current route."),
        # GIS files
        "gis_unreadable": _("GDAL cannot read the file."),
        "no_layer": _("The file holds no layer."),
        "no_layer_features": _("The layer has no features."),
        "too_many_features": _("The layer has more than %(limit)s features.", limit="{limit}"),
        "wrong_geometry": _(
            "The file holds %(found)s geometries: works must be points, a route a line.",
            found="{found}",
        ),
        "no_crs": _("The file does not say which coordinate reference system it uses."),
        "bad_crs": _("Cannot convert from %(crs)s to longitude and latitude.", crs="{crs}"),
        "not_lonlat": _(
            "The coordinates are not longitude and latitude: the file is in a projected "
            "coordinate system but does not say which."
        ),
        "shapefile_parts": _(
            "The Shapefile lacks %(missing)s; zip the .shp with its .shx, .dbf and .prj.",
            missing="{missing}",
        ),
        "zip_bad": _("Not a readable zip file."),
        "zip_encrypted": _("The zip is encrypted."),
        "zip_too_many": _(
            "The zip holds %(n)s files; at most %(limit)s.", n="{n}", limit="{limit}"
        ),
        "zip_too_big": _(
            "The zip unpacks to %(mb)s MB; at most %(limit)s MB.", mb="{mb}", limit="{limit}"
        ),
        "zip_bomb": _(
            "A file in the zip would unpack %(ratio)s times larger than it is packed: "
            "refused as a zip bomb.",
            ratio="{ratio}",
        ),
        "zip_no_layer": _("The zip holds no Shapefile (.shp) or KML."),
        "zip_several_layers": _("The zip holds %(n)s Shapefiles; zip one.", n="{n}"),
        "kml_network_link": _(
            "The KML links to other files on the network; export the features themselves."
        ),
        "surveyed_needs_fix": _(
            "“Surveyed on site” needs a position fix of at most %(accuracy)s m, with the point "
            "placed within %(nudge)s m of it; choose approximate or estimated.",
            accuracy="{accuracy}",
            nudge="{nudge}",
        ),
        "fix_format": _(
            "The position fix is incomplete: it needs latitude, longitude, accuracy and time."
        ),
        "fix_accuracy": _(
            "The position fix's accuracy must be a radius from 0 to %(max)s m.", max="{max}"
        ),
        "fix_time": _("The position fix's time must be a date and time with its time zone."),
        "fix_future": _("The position fix's time is in the future: check the phone's clock."),
        "fix_old": _(
            "The position fix is older than %(days)s days; take a new one.", days="{days}"
        ),
        "key_format": _("Idempotency-Key must be 1 to 200 printable characters, no spaces."),
        "key_reused": _("This Idempotency-Key was sent before with a different change."),
        "unknown_language": _(
            "“%(code)s” is not a language code: give e.g. %(field)s_ka for a text in"
            " Georgian (the English text goes in %(field)s).",
            code="{language}",
            field="{base}",
        ),
    }


def error_text(error: RowError) -> str:
    """A validation error in the request's language (its English reason if unknown)."""
    template = _error_templates().get(error.code)
    if template is None:
        return error.reason
    params = dict(error.params)
    try:
        return template.format_map(_Defaults(params))
    except (ValueError, IndexError):
        return error.reason


class _Defaults(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def field_errors(errors: list[RowError]) -> dict[str, str]:
    """The first error of each field, as text in the request's language."""
    out: dict[str, str] = {}
    for e in errors:
        out.setdefault(e.field, error_text(e))
    return out

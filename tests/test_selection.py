"""Which works the planner counts: art by default, multi-select, the corridor."""

from __future__ import annotations

import pytest

from mapapp import selection
from mapapp.records import ART_KINDS, CONTEXT_KINDS, KINDS


def work(kind="mural", festival="", year=None, offset=0.0, **extra):
    return {"kind": kind, "festival": festival, "year": year, "offset_m": offset, **extra}


def test_every_kind_is_art_or_context_and_never_both():
    assert set(ART_KINDS) | set(CONTEXT_KINDS) == set(KINDS)
    assert not set(ART_KINDS) & set(CONTEXT_KINDS)
    assert {"sculpture", "mural", "installation"} <= set(ART_KINDS)
    assert {"venue", "park", "landmark"} == set(CONTEXT_KINDS)


def test_art_is_the_default():
    chosen = selection.Selection().apply([work("mural"), work("park"), work("venue")])
    assert [w["kind"] for w in chosen] == ["mural"]
    assert selection.Selection().is_art


@pytest.mark.parametrize(
    ("values", "kinds"),
    [
        (["mural"], ("mural",)),
        (["mural", "park"], ("mural", "park")),
        (["park,mural"], ("mural", "park")),  # comma lists, returned in KINDS order
        (["art"], ART_KINDS),
        (["context"], CONTEXT_KINDS),
        (["art", "venue"], (*ART_KINDS, "venue")),
        (["all"], KINDS),
        ([" mural , , "], ("mural",)),
    ],
)
def test_kinds_from_repeated_and_comma_separated_values(values, kinds):
    found, unknown = selection.expand_kinds(values)
    assert unknown == []
    assert set(found) == set(kinds) and list(found) == [k for k in KINDS if k in kinds]


def test_unknown_kinds_are_reported():
    assert selection.expand_kinds(["mural", "spaceship"]) == (("mural",), ["spaceship"])


def test_festivals_editions_and_none_are_or_ed():
    works = [
        work(festival="ARTBAT FEST", year=2016),
        work(festival="ARTBAT FEST", year=2018),
        work(festival="PARK FEST", year=2018),
        work(),
    ]
    pick = lambda *f: [  # noqa: E731
        (w["festival"], w["year"]) for w in selection.Selection(ART_KINDS, f).apply(works)
    ]
    assert pick("ARTBAT FEST") == [("ARTBAT FEST", 2016), ("ARTBAT FEST", 2018)]
    assert pick("ARTBAT FEST 2018") == [("ARTBAT FEST", 2018)]
    assert pick("ARTBAT FEST 2018", "PARK FEST") == [("ARTBAT FEST", 2018), ("PARK FEST", 2018)]
    assert pick("-") == [("", None)]
    assert pick("-", "PARK FEST 2018") == [("PARK FEST", 2018), ("", None)]
    assert len(pick()) == 4


def test_a_named_edition_field_wins_over_festival_and_year():
    named = work(festival="ARTBAT FEST", year=2018, edition="ARTBAT FEST 9")
    assert selection.Selection(ART_KINDS, ("ARTBAT FEST 9",)).matches(named)
    assert not selection.Selection(ART_KINDS, ("ARTBAT FEST 2018",)).matches(named)


class FakeWalk:
    def festival_names(self):
        return ("ARTBAT FEST", "artbat-fest")

    def edition_keys(self):
        return ("artbat-fest-9",)


def test_festival_values_are_names_keys_editions_and_none():
    assert selection.festival_values(FakeWalk()) == (
        "ARTBAT FEST",
        "artbat-fest",
        "artbat-fest-9",
        "-",
    )


def test_festivals_by_name_or_key_and_editions_by_key():
    stop = work(festival="ARTBAT FEST", festival_slug="artbat-fest", edition="artbat-fest-9")
    for value in ("ARTBAT FEST", "artbat-fest", "artbat-fest-9"):
        assert selection.Selection(ART_KINDS, (value,)).matches(stop), value
    assert not selection.Selection(ART_KINDS, ("artbat-fest-7", "-")).matches(stop)


def test_corridor_leaves_far_works_out_farthest_first():
    works = [work(offset=50), work(offset=2600, title="far"), work(offset=1000), work(offset=3000)]
    kept, out = selection.split_by_corridor(works, 1000)
    assert [w["offset_m"] for w in kept] == [50, 1000]
    assert [e.offset_m for e in out] == [3000, 2600]
    assert all(e.reason == "beyond_corridor" and e.corridor_m == 1000 for e in out)


def test_default_corridor_is_never_below_the_radius():
    assert selection.corridor_for(150) == selection.DEFAULT_CORRIDOR_M
    assert selection.corridor_for(3000) == 3000
    assert selection.corridor_for(150, 400) == 400

"""The app's cache is bounded by bytes, and encoded responses pick what clients accept."""

from __future__ import annotations

import gzip

from mapapp.web.cache import VersionedCache, approx_size
from mapapp.web.encoded import Encoded


def test_cache_keeps_the_last_values_within_its_bytes():
    cache = VersionedCache(max_bytes=40_000)
    for i in range(10):
        assert cache.get(i, lambda i=i: b"x" * 9_000 + bytes([i])) == b"x" * 9_000 + bytes([i])
    stats = cache.stats()
    assert stats["bytes"] <= 40_000 and stats["entries"] == 4 and stats["evictions"] == 6
    assert cache.get(9, lambda: b"rebuilt") != b"rebuilt"  # still there
    assert cache.get(0, lambda: b"rebuilt") == b"rebuilt"  # fell out first
    huge = b"y" * 20_000
    assert cache.get("huge", lambda: huge) is huge
    assert cache.stats()["too_large"] == 1 and cache.get("huge", lambda: b"") == b""


def test_sizes_are_measured():
    assert approx_size(b"x" * 1000) >= 1000
    assert approx_size({"a": ["x" * 500, "y" * 500]}) >= 1000
    enc = Encoded.of(b"[" + b"1," * 2000 + b"1]", "application/json")
    assert approx_size(enc) == enc.nbytes < 2000


def test_encoded_bodies_go_out_as_the_client_accepts():
    body = b'{"text":"' + b"walk along the river " * 100 + b'"}'
    enc = Encoded.of(body, "application/json")
    assert enc.identity is None and enc.body() == body
    assert enc.pick("gzip, deflate, br, zstd")[1] == "br"
    data, coding = enc.pick("gzip;q=1, br;q=0")
    assert coding == "gzip" and gzip.decompress(data) == body
    assert enc.pick("identity") == (body, None)
    assert enc.pick("") == (body, None)
    small = Encoded.of(b"{}", "application/json")
    assert small.pick("br, gzip") == (b"{}", None)


def test_concurrent_requests_for_a_missing_value_build_it_once():
    import threading
    import time

    cache = VersionedCache(max_bytes=1_000_000)
    builds = []

    def build():
        builds.append(1)
        time.sleep(0.2)
        return b"built"

    out = []
    threads = [threading.Thread(target=lambda: out.append(cache.get("k", build))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == [b"built"] * 6 and len(builds) == 1
    assert cache.stats()["misses"] == 1 and cache.stats()["hits"] == 5

"""Short audio stories made at test time (no audio file is committed).

soundfile's wheel brings libsndfile with Ogg Vorbis, Opus and MP3 encoders.
"""

from __future__ import annotations

import io

import mutagen
import numpy as np
import soundfile as sf

#: soundfile's (format, subtype, sample rate) for each of our formats it can write.
ENCODINGS = {
    "ogg": ("OGG", "VORBIS", 48_000),
    "opus": ("OGG", "OPUS", 48_000),
    "mp3": ("MP3", "MPEG_LAYER_III", 44_100),
}


def story(seconds: float = 1.0, fmt: str = "ogg", hz: float = 440.0) -> bytes:
    """A quiet sine tone of ``seconds`` in ``fmt`` (``ogg``, ``opus``, ``mp3``)."""
    major, subtype, rate = ENCODINGS[fmt]
    t = np.arange(int(seconds * rate)) / rate
    wave = (0.2 * np.sin(2 * np.pi * hz * t)).astype("float32")
    out = io.BytesIO()
    sf.write(out, wave, rate, format=major, subtype=subtype)
    return out.getvalue()


def tagged(data: bytes, title: str = "Secret title", comment: str = "GPS 43.2 76.9") -> bytes:
    """``data`` with a title and a comment tag added (ID3 for MP3, Vorbis comments else)."""
    buf = io.BytesIO(data)
    found = mutagen.File(buf)
    if found.tags is None:
        found.add_tags()
    if isinstance(found, mutagen.mp3.MP3):
        from mutagen.id3 import COMM, TIT2

        found.tags.add(TIT2(encoding=3, text=title))
        found.tags.add(COMM(encoding=3, lang="eng", desc="", text=comment))
    else:
        found.tags["title"] = [title]
        found.tags["comment"] = [comment]
    buf.seek(0)
    found.save(buf)
    return buf.getvalue()


def wav(seconds: float = 0.5) -> bytes:
    out = io.BytesIO()
    sf.write(out, np.zeros(int(seconds * 8000), "float32"), 8000, format="WAV")
    return out.getvalue()

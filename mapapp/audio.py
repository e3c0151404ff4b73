"""Audio stories: check that an upload really is MP3, M4A, Ogg Vorbis or Opus, strip its tags.

Each file is read with mutagen (the format from its content, never its name or
type, and its duration from its stream); files that mutagen cannot read, other
formats, silent or overlong ones are refused. Every metadata tag (ID3, APE, Vorbis
comments, MP4 atoms: names, comments, cover pictures) is removed before the file
is stored under a random name in ``<media>/audio/``, as photos are
(:mod:`mapapp.photos`). Files no work refers to any more are removed. No Flask.
"""

from __future__ import annotations

import contextlib
import io
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mutagen
from mutagen import apev2
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

#: Accepted formats: mutagen's reader -> (our format name, file extension, MIME type).
FORMATS: dict[type, tuple[str, str, str]] = {
    MP3: ("mp3", "mp3", "audio/mpeg"),
    MP4: ("m4a", "m4a", "audio/mp4"),
    OggVorbis: ("ogg", "ogg", "audio/ogg"),
    OggOpus: ("opus", "opus", "audio/ogg"),
}
MIME_TYPES = {ext: mime for _f, ext, mime in FORMATS.values()}
#: Where stored audio lives inside the media folder.
AUDIO_DIR = "audio"
#: A stored audio file's name: 16 hex digits and one of our extensions.
AUDIO_RE = re.compile(r"[0-9a-f]{16}\.(?:mp3|m4a|ogg|opus)")
#: A file in the audio folder that no work refers to is removed once this old (an
#: upload being stored right now is not yet referred to).
ORPHAN_AGE_S = 300


class AudioError(ValueError):
    """The upload is not an acceptable audio story; the message says why.

    ``code`` names the rule (``audio_empty``, ``audio_too_big``, ``audio_format``,
    ``audio_too_long``, ``audio_damaged``), ``params`` its values.
    """

    def __init__(self, code: str, message: str, **params: Any):
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class CheckedAudio:
    """An upload that passed every check, its tags already stripped, not yet stored."""

    data: bytes
    format: str
    ext: str
    seconds: float

    @property
    def mime(self) -> str:
        return MIME_TYPES[self.ext]


def _read(data: bytes) -> Any:
    try:
        return mutagen.File(io.BytesIO(data))
    except Exception:  # mutagen raises many kinds (MutagenError, struct.error, ...)
        return None


def check_audio(data: bytes, max_bytes: int, max_seconds: float) -> CheckedAudio:
    """Read and check an upload; return it without its tags. Stores nothing.

    Raises :class:`AudioError` for empty, oversized, overlong, unreadable files and
    formats other than MP3, M4A (AAC or ALAC in MP4), Ogg Vorbis and Ogg Opus.
    """
    if not data:
        raise AudioError("audio_empty", "the file is empty")
    if len(data) > max_bytes:
        mb, limit = f"{len(data) / 1e6:.1f}", f"{max_bytes / 1e6:.0f}"
        raise AudioError(
            "audio_too_big",
            f"the file is {mb} MB; audio may be at most {limit} MB",
            mb=mb,
            limit=limit,
        )
    found = _read(data)
    kind = FORMATS.get(type(found))
    if found is None or kind is None:
        raise AudioError("audio_format", "the file is not MP3, M4A, Ogg Vorbis or Opus audio")
    seconds = float(getattr(found.info, "length", 0.0) or 0.0)
    if not seconds > 0:
        raise AudioError("audio_damaged", "the audio file is damaged or has no sound")
    if seconds > max_seconds:
        minutes, limit = f"{seconds / 60:.1f}", f"{max_seconds / 60:.0f}"
        raise AudioError(
            "audio_too_long",
            f"the story lasts {minutes} min; audio may last at most {limit} min",
            minutes=minutes,
            limit=limit,
        )
    stripped = strip_tags(data)
    again = _read(stripped)
    if type(again) is not type(found) or tag_count(again) or _has_ape(stripped):
        raise AudioError("audio_damaged", "the audio file is damaged or has no sound")
    name, ext, _mime = kind
    return CheckedAudio(stripped, name, ext, round(seconds, 2))


def strip_tags(data: bytes) -> bytes:
    """``data`` without its metadata tags (the sound itself is not touched)."""
    buf = io.BytesIO(data)
    found = mutagen.File(buf)
    if found is not None:
        buf.seek(0)
        found.delete(buf)
    if isinstance(found, MP3):
        buf.seek(0)
        with contextlib.suppress(Exception):  # no APE tag: nothing to remove
            apev2.delete(buf)
    return buf.getvalue()


def tag_count(found: Any) -> int:
    """How many metadata entries a mutagen file still holds."""
    tags = getattr(found, "tags", None)
    if not tags:
        return 0
    return len(tags.keys()) if hasattr(tags, "keys") else len(list(tags))


def _has_ape(data: bytes) -> bool:
    return b"APETAGEX" in data[-64 * 1024 :]


def audio_dir(media_dir: Path) -> Path:
    return media_dir / AUDIO_DIR


def save_audio(audio: CheckedAudio, media_dir: Path) -> str:
    """Store a checked audio story under a new random name; return that name."""
    folder = audio_dir(media_dir)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(8)}.{audio.ext}"
    tmp = folder / f".{name}.tmp"
    tmp.write_bytes(audio.data)
    tmp.replace(folder / name)
    return name


def delete_audio(name: str, media_dir: Path) -> None:
    """Remove a stored audio file, if it is there (only names we give are touched)."""
    if AUDIO_RE.fullmatch(name or ""):
        (audio_dir(media_dir) / name).unlink(missing_ok=True)


def remove_orphans(media_dir: Path, in_use: set[str], now: float | None = None) -> list[str]:
    """Remove stored audio files no work refers to (older than :data:`ORPHAN_AGE_S`)."""
    folder = audio_dir(media_dir)
    if not folder.is_dir():
        return []
    cutoff = (time.time() if now is None else now) - ORPHAN_AGE_S
    removed = []
    for path in folder.iterdir():
        stored = AUDIO_RE.fullmatch(path.name)
        leftover = path.name.startswith(".") and path.name.endswith(".tmp")
        if (stored and path.name in in_use) or not (stored or leftover):
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(path.name)
        except OSError:
            continue
    return sorted(removed)

"""Photo uploads: check that a file really is an image, strip metadata, resize.

Every stored photo is re-encoded by Pillow from its pixels alone, so EXIF (with GPS
position), XMP and any payload hidden in the file are gone. Two files are kept
under a random name: the full image (at most 2,400 px) and a phone-sized one
(at most 800 px) for popups.
"""

from __future__ import annotations

import io
import re
import secrets
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
FULL_PX = 2400
PHONE_PX = 800
#: Refuse images with more pixels than this (decompression bombs).
MAX_PIXELS = 60_000_000


class PhotoError(ValueError):
    """The upload is not an acceptable photo; the message says why.

    ``code`` names the rule (``photo_empty``, ``photo_too_big``, ``photo_format``,
    ``photo_pixels``, ``photo_not_image``, ``photo_damaged``), ``params`` its values.
    """

    def __init__(self, code: str, message: str, **params: Any):
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class CheckedPhoto:
    """An upload that passed every check, decoded once, not yet stored."""

    image: Image.Image
    ext: str


def check_photo(data: bytes, max_bytes: int) -> CheckedPhoto:
    """Decode and check an uploaded photo without storing anything.

    Raises :class:`PhotoError` for empty, oversized, truncated or fake files and for
    formats other than JPEG, PNG and WebP.
    """
    if not data:
        raise PhotoError("photo_empty", "the file is empty")
    if len(data) > max_bytes:
        mb, limit = f"{len(data) / 1e6:.1f}", f"{max_bytes / 1e6:.0f}"
        raise PhotoError(
            "photo_too_big",
            f"the file is {mb} MB; photos may be at most {limit} MB",
            mb=mb,
            limit=limit,
        )
    image = _open_checked(data)
    return CheckedPhoto(image, FORMATS[str(image.format)])


def save_photo(photo: CheckedPhoto, media_dir: Path) -> str:
    """Store a checked photo (full size and phone size) under a new random name."""
    name = f"{secrets.token_hex(8)}.{photo.ext}"
    image = ImageOps.exif_transpose(photo.image)  # keep the photo upright once EXIF is gone
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    if photo.ext == "jpg" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    media_dir.mkdir(parents=True, exist_ok=True)
    (media_dir / "phone").mkdir(exist_ok=True)
    _save(image, FULL_PX, media_dir / name, photo.ext)
    _save(image, PHONE_PX, media_dir / "phone" / name, photo.ext)
    return name


def delete_photo(name: str, media_dir: Path) -> None:
    """Remove a stored photo's files (both sizes), if they are there."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return
    for path in (media_dir / name, media_dir / "phone" / name):
        path.unlink(missing_ok=True)


def orphans(media_dir: Path, referenced: set[str]) -> list[Path]:
    """Stored photo files (both sizes) that no row points at, for ``mapapp photos prune``.

    Only files named as this module names photos are looked at; the uploads waiting
    for their form (:data:`PENDING_DIR`) clean themselves up after a day.
    """
    found: list[Path] = []
    for folder in (media_dir, media_dir / "phone"):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and _STORED_NAME.fullmatch(path.name) and path.name not in referenced:
                found.append(path)
    return found


_STORED_NAME = re.compile(r"[A-Za-z0-9_-]+\.(?:jpg|png|webp)")


# photos waiting for their form -------------------------------------------------------

#: Where an upload waits while its form is shown again with errors: inside the media
#: folder but never served (the media view serves only stored photo names).
PENDING_DIR = ".pending"
#: A waiting upload older than this is removed.
PENDING_MAX_AGE_S = 24 * 3600
_PENDING_TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")


def keep_pending(data: bytes, media_dir: Path) -> str:
    """Keep a checked upload whose form came back with errors; return its token.

    The form carries the token in a hidden field, so the photo is not lost; it is
    stored for good only when the work is saved. Older waiting uploads are removed.
    """
    folder = media_dir / PENDING_DIR
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - PENDING_MAX_AGE_S
    for old in folder.iterdir():
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(16)
    (folder / token).write_bytes(data)
    return token


def pending_upload(token: str, media_dir: Path) -> bytes | None:
    """The upload kept under ``token``, or ``None`` (unknown, expired, malformed)."""
    if not _PENDING_TOKEN.fullmatch(token):
        return None
    path = media_dir / PENDING_DIR / token
    try:
        if path.stat().st_mtime < time.time() - PENDING_MAX_AGE_S:
            return None
        return path.read_bytes()
    except OSError:
        return None


def drop_pending(token: str, media_dir: Path) -> None:
    """Remove the upload kept under ``token`` (once its work is saved)."""
    if _PENDING_TOKEN.fullmatch(token):
        (media_dir / PENDING_DIR / token).unlink(missing_ok=True)


def store_photo(data: bytes, media_dir: Path, max_bytes: int) -> str:
    """Check and store an uploaded photo; return its stored file name."""
    return save_photo(check_photo(data, max_bytes), media_dir)


def _open_checked(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data))
            if probe.format not in FORMATS:
                kind = probe.format or "this"
                raise PhotoError(
                    "photo_format",
                    f"{kind} files are not accepted; use JPEG, PNG or WebP",
                    format=kind,
                )
            if probe.width * probe.height > MAX_PIXELS:
                raise PhotoError("photo_pixels", "the image has too many pixels")
            probe.verify()  # structure check; the image must be reopened afterwards
            image = Image.open(io.BytesIO(data))
            image.load()  # decodes every pixel: catches truncated files
        except PhotoError:
            raise
        except (UnidentifiedImageError, Image.DecompressionBombWarning):
            raise PhotoError(
                "photo_not_image", "the file is not a JPEG, PNG or WebP image"
            ) from None
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            raise PhotoError("photo_damaged", "the image file is damaged or truncated") from None
    return image


def _save(image: Image.Image, max_px: int, path: Path, ext: str) -> None:
    copy = image.copy()
    copy.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
    options: dict = {"jpg": {"quality": 85, "optimize": True}, "webp": {"quality": 82}}.get(ext, {})
    copy.save(path, format={"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}[ext], **options)

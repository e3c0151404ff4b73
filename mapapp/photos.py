"""Photo uploads: check that a file really is an image, strip metadata, resize.

Every stored photo is re-encoded by Pillow from its pixels alone, so EXIF (with GPS
position), XMP and any payload hidden in the file are gone. Two files are kept
under a random name: the full image (at most 2,400 px) and a phone-sized one
(at most 800 px) for popups.
"""

from __future__ import annotations

import io
import secrets
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
FULL_PX = 2400
PHONE_PX = 800
#: Refuse images with more pixels than this (decompression bombs).
MAX_PIXELS = 60_000_000


class PhotoError(ValueError):
    """The upload is not an acceptable photo; the message says why."""


def store_photo(data: bytes, media_dir: Path, max_bytes: int) -> str:
    """Check and store an uploaded photo; return its stored file name.

    Raises :class:`PhotoError` for empty, oversized, truncated or fake files and for
    formats other than JPEG, PNG and WebP.
    """
    if not data:
        raise PhotoError("the file is empty")
    if len(data) > max_bytes:
        raise PhotoError(
            f"the file is {len(data) / 1e6:.1f} MB; photos may be at most {max_bytes / 1e6:.0f} MB"
        )
    image = _open_checked(data)
    ext = FORMATS[str(image.format)]
    name = f"{secrets.token_hex(8)}.{ext}"
    image = ImageOps.exif_transpose(image)  # keep the photo upright once EXIF is gone
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    if ext == "jpg" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    media_dir.mkdir(parents=True, exist_ok=True)
    (media_dir / "phone").mkdir(exist_ok=True)
    _save(image, FULL_PX, media_dir / name, ext)
    _save(image, PHONE_PX, media_dir / "phone" / name, ext)
    return name


def _open_checked(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data))
            if probe.format not in FORMATS:
                raise PhotoError(
                    f"{probe.format or 'this'} files are not accepted; use JPEG, PNG or WebP"
                )
            if probe.width * probe.height > MAX_PIXELS:
                raise PhotoError("the image has too many pixels")
            probe.verify()  # structure check; the image must be reopened afterwards
            image = Image.open(io.BytesIO(data))
            image.load()  # decodes every pixel: catches truncated files
        except PhotoError:
            raise
        except (UnidentifiedImageError, Image.DecompressionBombWarning):
            raise PhotoError("the file is not a JPEG, PNG or WebP image") from None
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            raise PhotoError("the image file is damaged or truncated") from None
    return image


def _save(image: Image.Image, max_px: int, path: Path, ext: str) -> None:
    copy = image.copy()
    copy.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
    options: dict = {"jpg": {"quality": 85, "optimize": True}, "webp": {"quality": 82}}.get(ext, {})
    copy.save(path, format={"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}[ext], **options)

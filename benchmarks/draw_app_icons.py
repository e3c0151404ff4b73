"""Draw the app icons (PNG 192, 512 and a maskable 512) from the favicon's design.

The design is ``static/icons/favicon.svg``: the river as a white curve on the
project's blue, with a yellow dot for a work of art. Run once after changing the
design; the PNGs are committed::

    .venv/bin/python benchmarks/draw_app_icons.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "static" / "icons"
BLUE = (11, 92, 173, 255)
WHITE = (255, 255, 255, 255)
YELLOW = (255, 202, 40, 255)
SUPERSAMPLE = 4


def _bezier(p0, p1, p2, p3, steps: int = 400) -> list[tuple[float, float]]:
    out = []
    for i in range(steps + 1):
        t = i / steps
        u = 1 - t
        out.append(
            (
                u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1],
            )
        )
    return out


#: The favicon's path in its 32-unit box: M6 26 c6-3 4-9 10-12 s6-7 10-8.
RIVER = _bezier((6, 26), (12, 23), (10, 17), (16, 14)) + _bezier(
    (16, 14), (22, 11), (22, 7), (26, 6)
)


def draw(size: int, *, maskable: bool) -> Image.Image:
    """The icon at ``size`` px; a maskable icon fills the square and keeps its design
    inside the central safe circle (80 % of the size)."""
    big = size * SUPERSAMPLE
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if maskable:
        d.rectangle([0, 0, big, big], fill=BLUE)
        # the farthest stroke edge is 15.6 units from the centre: 0.8 keeps it in the circle
        scale, offset = big * 0.8 / 32, big * 0.1
    else:
        d.rounded_rectangle([0, 0, big - 1, big - 1], radius=big * 6 / 32, fill=BLUE)
        scale, offset = big / 32, 0.0
    half = 1.5 * scale  # a round brush along the curve: smooth joins and round caps
    for x, y in RIVER:
        px, py = offset + x * scale, offset + y * scale
        d.ellipse([px - half, py - half, px + half, py + half], fill=WHITE)
    cx, cy, r = offset + 16 * scale, offset + 14 * scale, 3 * scale
    d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=YELLOW)
    return img.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    for name, size, maskable in (
        ("app-192.png", 192, False),
        ("app-512.png", 512, False),
        ("app-maskable-512.png", 512, True),
    ):
        path = OUT / name
        draw(size, maskable=maskable).save(path, optimize=True)
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()

"""The injection face map: a simple drawn face with the units injected per muscle and
side, as SVG (pure Python, built like the charts in ``charts.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from .charts import FONT, INK, MUTED, Svg, num, svg_attrs, svg_text

FACE_WIDTH, FACE_HEIGHT, FACE_CENTRE = 320, 400, 160

# Where each muscle's injection point is drawn on the subject's LEFT side, in the face
# drawing's coordinates; the subject's right side is the mirror image. The face is drawn
# as seen when facing the patient, so the subject's left is on the viewer's right.
# Approximate surface positions for a sketch, not an anatomical atlas.
MUSCLE_POSITIONS: dict[str, tuple[float, float]] = {
    "frontalis": (196, 74),
    "corrugator": (182, 118),
    "procerus": (166, 128),
    "orbicularis oculi": (236, 152),
    "nasalis": (178, 190),
    "levator labii superioris": (196, 206),
    "zygomaticus minor": (222, 204),
    "zygomaticus major": (246, 226),
    "risorius": (244, 262),
    "buccinator": (222, 244),
    "orbicularis oris": (188, 252),
    "depressor anguli oris": (214, 290),
    "depressor labii inferioris": (186, 300),
    "mentalis": (172, 322),
    "platysma": (226, 372),
}


def site_position(muscle: str, side: str) -> tuple[float, float]:
    """Drawing coordinates of a muscle's point on the subject's ``side`` ("left"/"right")."""
    x, y = MUSCLE_POSITIONS[muscle]
    if side == "right":
        x = 2 * FACE_CENTRE - x
    elif side != "left":
        raise ValueError(f"unknown side {side!r}")
    return x, y


def face_map(
    *,
    chart_id: str,
    title: str,
    desc: str,
    sites: Sequence[tuple[str, str, float]],
    unit_label: str = "U",
) -> Svg:
    """A simple drawn face with a numbered dot per injected muscle and side.

    Each dot shows the units injected there (several rows for the same muscle and side
    add up: they are points of one visit, so of one product). The subject's left is on
    the viewer's right; both sides are labelled.
    """
    totals: dict[tuple[str, str], float] = {}
    for muscle, side, units in sites:
        totals[(muscle, side)] = totals.get((muscle, side), 0) + units
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    w, h = FACE_WIDTH, FACE_HEIGHT
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" {svg_attrs(id=chart_id, class_="face-map")} '
        f'viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" font-family="{escape(FONT)}" font-size="12" '
        f'fill="{INK}">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(desc)}</desc>',
        f'<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>',
        *_outline(),
    ]
    for (muscle, side), units in sorted(
        totals.items(), key=lambda kv: MUSCLE_POSITIONS[kv[0][0]][1]
    ):
        if muscle in MUSCLE_POSITIONS and side in ("left", "right"):
            out.append(_site(muscle, side, units, unit_label))
    c = FACE_CENTRE
    out.append(
        svg_text(
            c,
            h - 6,
            f"Numbers are units ({unit_label}) per muscle and side.",
            fill=MUTED,
            text_anchor="middle",
            font_size="11",
        )
    )
    out.append("</svg>")
    return Svg("\n".join(out))


def _outline() -> list[str]:
    """Head, neck, ears, brows, eyes, nose and mouth, and which side is which."""
    c, w = FACE_CENTRE, FACE_WIDTH
    return [
        '<g class="face-outline" fill="none" stroke="#6b7a80" stroke-width="2">',
        # neck, head, ears
        f'<path d="M{c - 46} 318 L{c - 52} 392 M{c + 46} 318 L{c + 52} 392"/>',
        f'<ellipse cx="{c}" cy="190" rx="104" ry="146" fill="#fbf7f3"/>',
        f'<path d="M{c - 104} 170 q-20 14 -4 48 M{c + 104} 170 q20 14 4 48"/>',
        # brows, eyes, nose, mouth
        f'<path d="M{c - 72} 124 q26 -14 50 -2 M{c + 22} 122 q24 -12 50 2"/>',
        f'<ellipse cx="{c - 46}" cy="150" rx="24" ry="10"/>',
        f'<ellipse cx="{c + 46}" cy="150" rx="24" ry="10"/>',
        f'<path d="M{c} 150 L{c - 12} 206 q12 8 24 0"/>',
        f'<path d="M{c - 38} 256 q38 22 76 0 q-38 -10 -76 0"/>',
        "</g>",
        svg_text(12, 24, "Patient's right", fill=MUTED, font_size="12"),
        svg_text(w - 12, 24, "Patient's left", fill=MUTED, font_size="12", text_anchor="end"),
    ]


def _site(muscle: str, side: str, units: float, unit_label: str) -> str:
    """One numbered dot: the units injected into ``muscle`` on ``side``."""
    x, y = site_position(muscle, side)
    label = num(units)
    return (
        f'<g class="face-site"><title>{escape(f"{muscle}, {side}: {label} {unit_label}")}'
        f"</title>"
        f'<circle cx="{num(x)}" cy="{num(y)}" r="13" fill="#1f6f78" stroke="#ffffff" '
        f'stroke-width="2"/>'
        + svg_text(
            x,
            y + 4,
            label,
            text_anchor="middle",
            fill="#ffffff",
            font_size="10",
            font_weight="700",
        )
        + "</g>"
    )

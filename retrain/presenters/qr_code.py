"""A QR code of a link, drawn as SVG here from segno's module matrix (segno computes
the code; the markup is ours, escaped like every other SVG of the app).

Error correction M (15 %) keeps a phone camera reading it off a screen with a glare; the
4-module quiet zone around it is what ISO/IEC 18004 asks for.
"""

from html import escape

import segno

from ..progress.charts import Svg

QUIET_ZONE = 4  # modules of white around the code


def qr_matrix(text: str) -> tuple[tuple[bool, ...], ...]:
    """The code's dark (True) and light modules, row by row, without the quiet zone."""
    code = segno.make(text, error="m", micro=False)
    return tuple(tuple(bool(module) for module in row) for row in code.matrix)


def qr_svg(text: str, title: str) -> Svg:
    """The QR code of ``text`` as one SVG path (a run of dark modules per rectangle),
    scaled by CSS; ``title`` names it for screen readers."""
    matrix = qr_matrix(text)
    size = len(matrix) + 2 * QUIET_ZONE
    runs = []
    for y, row in enumerate(matrix, start=QUIET_ZONE):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            runs.append(f"M{start + QUIET_ZONE} {y}h{x - start}v1h-{x - start}z")
    return Svg(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'role="img" class="qr-code" shape-rendering="crispEdges">'
        f"<title>{escape(title)}</title>"
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )

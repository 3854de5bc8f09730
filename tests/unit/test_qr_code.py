"""The QR code's SVG is drawn by us from segno's matrix: check the drawing on the matrix
(the browser test decodes it with OpenCV, tests/e2e/test_invitation_page.py)."""

import re

from retrain.presenters.qr_code import QUIET_ZONE, qr_matrix, qr_svg

LINK = "https://retrain.clinic.example/invitation/" + "A" * 43


def dark_modules_of(svg: str) -> set[tuple[int, int]]:
    cells = set()
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", svg):
        cells |= {(int(x) + dx, int(y)) for dx in range(int(width))}
    return cells


def test_the_path_covers_exactly_the_dark_modules_inside_the_quiet_zone():
    matrix = qr_matrix(LINK)
    expected = {
        (x + QUIET_ZONE, y + QUIET_ZONE)
        for y, row in enumerate(matrix)
        for x, dark in enumerate(row)
        if dark
    }
    svg = qr_svg(LINK, "QR code")
    assert dark_modules_of(svg) == expected
    size = len(matrix) + 2 * QUIET_ZONE
    assert f'viewBox="0 0 {size} {size}"' in svg


def test_the_title_is_escaped_and_the_svg_is_placed_as_is():
    svg = qr_svg(LINK, '<script>alert("x")</script>')
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.__html__() == str(svg)


def test_a_finder_pattern_sits_in_the_top_left_corner():
    matrix = qr_matrix(LINK)
    assert all(matrix[0][:7]) and all(matrix[6][:7]) and not matrix[1][1] and all(matrix[3][2:5])

"""Presenters: loaded records -> what a page or the API shows (text, chart data, SVG).

Plain values in, plain values out: no database, no Flask, so each is unit-tested on
hand-made data.
"""

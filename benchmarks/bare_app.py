"""The ceilings: a bare Flask + SQLAlchemy + Jinja page (issue 7, part 4; issue 17, part 4).

What a Flask page costs on this machine with nothing of Retrain in it: one query for 20
rows of a 5,000-row table through Flask-SQLAlchemy, rendered by a Jinja template with
a small layout and autoescaping. benchmarks/run.py serves it with gunicorn (2 workers)
in the same run as the app and divides every page's throughput by this one's.

Each page also gets a ceiling of its own size: ``/?rows=N&bytes=B`` reads N rows in the
same one query and renders them, padded with plain text to B bytes (the app page's
size), so a page that must read and send more is compared with what that costs bare.

    .venv/bin/python benchmarks/bare_app.py --init sqlite:////tmp/bare.sqlite3   # table + rows
    BARE_DATABASE_URL=sqlite:////tmp/bare.sqlite3 \\
        .venv/bin/gunicorn --workers 2 'benchmarks.bare_app:create_app()'
"""

from __future__ import annotations

import argparse
import os

from flask import Flask, render_template, request
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from sqlalchemy import Integer, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROWS = 5000
PAGE = 20


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Row(db.Model):
    __tablename__ = "bare_rows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    region: Mapped[str] = mapped_column(String(32))
    reps: Mapped[int] = mapped_column(Integer)


PAGE_TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<link rel="stylesheet" href="/static/retrain.css">
</head>
<body>
<header><nav><a href="/">Home</a> <a href="/rows">Rows</a></nav></header>
<main>
<h1>{{ title }}</h1>
<div class="table-wrap">
<table>
<caption>The first {{ rows|length }} rows</caption>
<thead><tr><th scope="col">#</th><th scope="col">Name</th>
<th scope="col">Region</th><th scope="col">Reps</th></tr></thead>
<tbody>
{% for row in rows %}
<tr><td>{{ row.id }}</td><td>{{ row.name }}</td><td>{{ row.region }}</td>
<td>{{ row.reps }}</td></tr>
{% endfor %}
</tbody>
</table>
</div>
<p>{{ filler }}</p>
</main>
</body>
</html>
"""


def create_app(url: str | None = None) -> Flask:
    app = Flask(__name__)
    app.jinja_loader = DictLoader({"page.html": PAGE_TEMPLATE})  # compiled once, cached
    app.config["SQLALCHEMY_DATABASE_URI"] = url or os.environ["BARE_DATABASE_URL"]
    db.init_app(app)

    base_sizes: dict[int, int] = {}  # rows -> bytes of the page without filler

    @app.get("/")
    def page():
        count = min(max(request.args.get("rows", PAGE, type=int), 1), ROWS)
        target = request.args.get("bytes", 0, type=int)
        rows = db.session.scalars(select(Row).order_by(Row.id).limit(count)).all()
        title = f"{count} rows"
        if count not in base_sizes:  # measured once per size: the rows never change
            html = render_template("page.html", title=title, rows=rows, filler="")
            base_sizes[count] = len(html.encode())
        filler = "x" * max(0, target - base_sizes[count])
        return render_template("page.html", title=title, rows=rows, filler=filler)

    return app


def init(url: str) -> None:
    """Create the table and its rows (idempotent)."""
    app = create_app(url)
    with app.app_context():
        db.create_all()
        have = db.session.scalar(select(func.count(Row.id)))
        if have < ROWS:  # an older table of 1,000 rows grows to ROWS
            regions = ("brow", "eyes", "nose", "cheeks and smile", "lips", "chin and neck")
            db.session.add_all(
                Row(name=f"Exercise number {n} <b>", region=regions[n % 6], reps=8 + n % 8)
                for n in range(have + 1, ROWS + 1)
            )
            db.session.commit()
        db.engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--init", metavar="DATABASE_URL", required=True)
    init(parser.parse_args().init)

"""The floor of ``bench.floor``: the least a code log-in and a report submission can cost.

A bare Flask app served by the same ``gunicorn.conf.py`` as the portal, on the portal's own
database (``PORTAL_DATABASE_URL``, or the portal's SQLite file: same engine and pragmas, from
``portal.db.make_engine``) and with the portal's argon2id cost (``PORTAL_ARGON2_*``, read by the
portal's ``Config`` and turned into a cost by ``installation.kdf_cost``: no number is copied here).

- ``POST /followup``: a Flask-WTF form (CSRF token in Flask's cookie session), one argon2id of
  the code and one query on a unique index; 303 to a page that says the code opened something.
- ``POST /report``: a Flask-WTF form, one argon2id of a new code and one insert (the description
  as bytes, nothing encrypted); 303 to a receipt showing the code.

It speaks the portal's forms and markup as far as ``tests/live_client.py`` needs them
(``csrf_token``, ``data-receipt-code``), so the same visitor drives both apps.
"""

from __future__ import annotations

import hashlib

from flask import Flask, abort, redirect, render_template_string, session
from flask_wtf import FlaskForm
from sqlalchemy import Column, Integer, LargeBinary, MetaData, Table, insert, select
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.config import Config
from portal.db import make_engine
from portal.installation import kdf_cost
from portal.security import codes

config = Config.from_env()
COST = kdf_cost(config)
SALT = hashlib.sha256(b"floor-salt:" + config.secret_key.encode()).digest()[:16]  # same in every worker

metadata = MetaData()
floor_reports = Table(
    "floor_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("lookup", LargeBinary(32), nullable=False, unique=True),
    Column("description", LargeBinary, nullable=False),
)
engine = make_engine(config.sqlalchemy_url)
metadata.create_all(engine)
engine.dispose()  # gunicorn may fork the workers from this process: none inherits a connection

PAGE = """<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>Floor</title></head>
<body><main>{% if form %}<form method="post">{{ form.csrf_token }}
{% for field in form if field.name != "csrf_token" %}{{ field.label }} {{ field() }}{% endfor %}
<button>Skicka</button></form>{% endif %}{% if code %}<p data-receipt-code>{{ code }}</p>{% endif %}
{% if text %}<p>{{ text }}</p>{% endif %}</main></body></html>"""

app = Flask(__name__)
app.config.update(SECRET_KEY=config.secret_key, WTF_CSRF_SSL_STRICT=False)


class CodeForm(FlaskForm):  # type: ignore[misc]  # flask_wtf has no type hints
    code = StringField("Kod", validators=[DataRequired(), Length(max=codes.MAX_INPUT)])


class ReportForm(FlaskForm):  # type: ignore[misc]
    kind = StringField("Typ", validators=[DataRequired()])
    category = StringField("Kategori")
    area = StringField("Område")
    description = TextAreaField("Beskrivning", validators=[DataRequired(), Length(max=20_000)])


def _lookup(code: str) -> bytes:
    return codes.derive(codes.normalize(code), SALT, COST).lookup


@app.route("/followup", methods=["GET", "POST"])
def followup() -> Response | tuple[str, int] | str:
    form = CodeForm()
    if form.validate_on_submit():
        with engine.connect() as conn:
            found = conn.scalar(
                select(floor_reports.c.id).where(floor_reports.c.lookup == _lookup(form.code.data or ""))
            )
        if found is None:
            return render_template_string(PAGE, form=form, text="Ingen rapport."), 401
        session["report_id"] = found
        return redirect("/followup/case", code=303)
    return render_template_string(PAGE, form=form)


@app.get("/followup/case")
def case() -> str:
    if "report_id" not in session:
        abort(403)
    return render_template_string(PAGE, text=f"Rapport {session['report_id']}.")


@app.route("/report", methods=["GET", "POST"])
def report() -> Response | str:
    form = ReportForm()
    if form.validate_on_submit():
        code = codes.generate()
        with engine.begin() as conn:
            conn.execute(
                insert(floor_reports).values(
                    lookup=_lookup(code), description=(form.description.data or "").encode()
                )
            )
        session["code"] = code
        return redirect("/report/receipt", code=303)
    return render_template_string(PAGE, form=form)


@app.get("/report/receipt")
def receipt() -> str:
    return render_template_string(PAGE, code=session.get("code", ""))


@app.get("/")
def index() -> str:
    return render_template_string(PAGE, text="Floor.")

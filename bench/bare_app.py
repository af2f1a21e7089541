"""The baseline of ``bench.load``: a bare Flask app, served by the same gunicorn settings.

One page rendered from a small template, no database, no session, no extensions: what Flask and
gunicorn cost on their own, so that the portal's landing page can be compared with it.
"""

from __future__ import annotations

from flask import Flask, render_template_string

PAGE = """<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1><p>{{ text }}</p></main></body></html>"""

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return render_template_string(PAGE, title="Tystnadsbrytaren", text="Bare Flask baseline.")

"""Entry point: ``flask --app wsgi run`` and ``gunicorn wsgi:app``."""

from portal import create_app

app = create_app()

"""Entry point: ``flask --app wsgi run`` and ``gunicorn wsgi:app``."""

import sys

from portal import create_app
from portal.production_checks import UnsafeConfiguration

try:
    app = create_app()
except UnsafeConfiguration as refused:
    # gunicorn loads this module in its master (preload_app): exit 3, the status gunicorn gives
    # when a worker cannot boot, so that systemd does not restart a refused configuration in a
    # loop (RestartPreventExitStatus=3, docs/deploy.md); the list of problems goes to the log.
    print(refused, file=sys.stderr)
    sys.exit(3)

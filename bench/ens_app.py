"""The ENS Store app as ``make run`` serves it, plus one bare route for the benchmark.

``GET /bench/bare`` goes through every hook the app installs (security headers, locale
cookie, login manager, CSRF, Babel…) and does nothing else: the distance between it and
the five-line hello app (bench/hello_app.py) is what the app's own machinery costs.

The app's catch-all error handler (``ens_core/web/errors.py``) answers a 500 without
logging it; here it is wrapped so that the server log says which statement failed (the
FHIR blueprint's own handler already logs).
"""

from __future__ import annotations

import logging

from ens_core import create_app

app = create_app()
log = logging.getLogger("bench.unhandled")


_unexpected = app.error_handler_spec[None][None][Exception]


def _logged_unexpected(error: Exception):
    log.error("unhandled exception", exc_info=error)
    return _unexpected(error)


app.register_error_handler(Exception, _logged_unexpected)


@app.get("/bench/bare")
def bench_bare():
    return "Hello, World!"

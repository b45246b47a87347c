"""The ENS Store app as ``make run`` serves it, plus one bare route for the benchmark.

``GET /bench/bare`` goes through every hook the app installs (security headers, locale
cookie, login manager, CSRF, Babel…) and does nothing else: the distance between it and
the five-line hello app (bench/hello_app.py) is what the app's own machinery costs.
"""

from __future__ import annotations

from ens_core import create_app

app = create_app()


@app.get("/bench/bare")
def bench_bare():
    return "Hello, World!"

"""Serving the app over real HTTP for tests that drive real clients or browsers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server

from authz.keys import forget_cached_keys
from ens_core.db import db


@contextmanager
def serving(app) -> Iterator[str]:
    """The app served on a free loopback port; yields its base URL.

    What it serves is committed for real (the server runs in another thread), so the
    tables are emptied when it stops.
    """
    try:
        with running(make_server("127.0.0.1", 0, app, threaded=True)) as url:
            yield url
    finally:
        empty_all_tables(app)


@contextmanager
def running(server) -> Iterator[str]:
    """A loopback HTTP server (werkzeug's or the standard library's) serving in a thread
    until the block ends; yields its base URL."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def empty_all_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
    forget_cached_keys()  # the signing keys went with the tables

"""The ``ens`` console script: Flask's CLI bound to the factory.

``ens run``, ``ens routes``, ``ens shell`` and ``ens db ...`` come from Flask and
Flask-Migrate; each package adds its own groups in its ``init_app``.
"""

from flask.cli import FlaskGroup

from ens_core import create_app

cli = FlaskGroup(create_app=create_app, help="ENS Store command line.")


def main() -> None:
    cli(prog_name="ens")

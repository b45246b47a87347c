"""Public timelines: every dossier's clock on the service's page, the open-data CSV of
decided dossiers and the statistics page (``/statistiques``)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from catalogue.public.timelines import DOSSIER_TIMELINES
    from review.timelines import demo_records
    from review.timelines.services import public_timelines
    from review.timelines.views import bp

    app.register_blueprint(bp)
    demo_records.register(app)
    # The catalogue's service page shows the clocks of the service's dossiers.
    DOSSIER_TIMELINES.provide(app, public_timelines)

"""The authority's decision on a dossier with an opinion: referenced or refused."""


def init_app(app) -> None:
    from review.decisions import demo_records, views

    app.register_blueprint(views.decisions_bp)
    demo_records.register(app)

    from flask_babel import lazy_gettext as _l

    from ens_core.web.nav import register_nav
    from review.decisions.policies import can_read_decisions

    register_nav(app, "decisions", "decisions.index", _l("Décisions"), can_read_decisions)

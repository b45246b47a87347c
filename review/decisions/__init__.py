"""The authority's decision on a dossier with an opinion: referenced or refused."""


def init_app(app) -> None:
    from review.decisions import views

    app.register_blueprint(views.decisions_bp)

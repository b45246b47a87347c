"""The referencing commission: members and mandates, interest declarations, conflicts and
recusals, sessions, quorum, votes, opinions and minutes."""


def init_app(app) -> None:
    from review.commission import demo_records, views

    app.register_blueprint(views.member_bp)
    app.register_blueprint(views.public_bp)
    app.register_blueprint(views.agent_commission_bp)
    demo_records.register(app)

    from flask_babel import lazy_gettext as _l

    from ens_core.web.nav import register_nav
    from review.commission.policies import can_manage_commission

    register_nav(
        app,
        "commission_secretariat",
        "agent_commission.index",
        _l("Secrétariat de la commission"),
        can_manage_commission,
    )

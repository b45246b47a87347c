"""The referencing commission: members and mandates, interest declarations, conflicts and
recusals, sessions, quorum, votes, opinions and minutes."""


def init_app(app) -> None:
    from review.commission import views

    app.register_blueprint(views.member_bp)
    app.register_blueprint(views.public_bp)
    app.register_blueprint(views.agent_commission_bp)

    from flask_babel import lazy_gettext as _l

    from ens_core.demo import register_demo_loader
    from ens_core.web.nav import register_nav
    from review.commission.policies import can_manage_commission

    register_nav(
        app,
        "commission_secretariat",
        "agent_commission.index",
        _l("Secrétariat de la commission"),
        can_manage_commission,
    )
    from review.commission.demo import load_demo_commission

    register_demo_loader(50, "commission", load_demo_commission)

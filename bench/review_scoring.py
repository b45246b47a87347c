"""Figures for the review package: scoring speed and dossier page rendering.

Run: .venv/bin/python bench/review_scoring.py
Builds a throw-away SQLite database with the demo data, then prints timings.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import select

from ens_core import create_app
from ens_core.db import db
from ens_core.demo import load_demo


def _timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    from review.dossiers.models import Dossier
    from review.scoring import ecoscore
    from review.scoring.services import dossier_scores, ecoscore_for

    workdir = Path(tempfile.mkdtemp(prefix="ens-bench-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.db'}",
            "SECRET_KEY": "bench",
            "ENS_DATA_DIR": str(workdir / "data"),
            "WTF_CSRF_ENABLED": False,
            "ENS_ARGON2_PROFILE": "CHEAPEST",
        }
    )
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        load_demo()
        db.session.commit()
        print(f"demo load (whole story): {(time.perf_counter() - start) * 1000:.0f} ms")
        dossiers = list(db.session.scalars(select(Dossier)))
        evaluated = [d for d in dossiers if d.evaluations]

        def score_all():
            for dossier in evaluated:
                db.session.expire_all()
                dossier_scores(dossier)
                ecoscore_for(dossier)

        samples = _timed(score_all, 10)
        per = statistics.median(samples) / len(evaluated)
        print(f"scores + écoscore of one evaluated dossier (91 criteria): {per:.1f} ms (median)")
        steps = [
            {"label": f"s{i}", "energy_ratio": 1.3, "display_time_s": 1.2, "data_kb": 400,
             "dom_elements": 600, "http_requests": 40, "page_weight_kb": 1200}
            for i in range(12)
        ]  # fmt: skip
        samples = _timed(lambda: (ecoscore.national_ecoscore(steps),
                                  ecoscore.journey_ecoindex(steps)), 1000)  # fmt: skip
        print(f"both écoscore methods, 12-step journey: {statistics.median(samples):.3f} ms")
        target = next(d for d in dossiers if d.service.slug == "tension-suivi").id
    client = app.test_client()
    client.post("/login", data={"email": "agent@demo.ens", "password": "agent-demo-2026"})
    samples = _timed(lambda: client.get(f"/agent/dossiers/{target}"), 20)
    print(f"agent dossier page (referenced, 91 criteria): {statistics.median(samples):.0f} ms")
    samples = _timed(lambda: client.get("/agent/referentiel/comparer?de=2022&a=2023"), 20)
    print(f"referential comparison page 2022 → 2023: {statistics.median(samples):.0f} ms")


if __name__ == "__main__":
    main()

from datetime import UTC, date, datetime

from catalogue.models import DataPurpose, ServiceEventKind, ServiceStatus
from catalogue.services import is_operational, publish_referencing
from tests.factories import make_service, make_user


def test_publishing_a_decision_lists_the_service_with_its_uses_scores_and_history(app_ctx):
    service = make_service()
    agent = make_user()
    publish_referencing(
        service,
        actor=agent,
        decided_at=datetime(2026, 3, 2, 10, tzinfo=UTC),
        valid_until=date(2029, 3, 2),
        data_uses=[("patient/Observation.rs", DataPurpose.CARE, 365)],
        scores={"security": 90, "ethics": 80},
        ecoscore_value=72.5,
        ecoscore_grade="B",
    )
    assert service.status is ServiceStatus.REFERENCED and is_operational(service)
    assert [(u.scope, u.purpose, u.retention_days) for u in service.data_uses] == [
        ("patient/Observation.rs", DataPurpose.CARE, 365)
    ]
    assert service.scores == {"security": 90, "ethics": 80}
    assert service.ecoscore_grade == "B"
    assert [e.kind for e in service.events] == [ServiceEventKind.REFERENCED]
    assert service.events[0].details == {"valid_until": "2029-03-02"}

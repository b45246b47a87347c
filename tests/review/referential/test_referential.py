from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from ens_core.accounts.models import Role
from ens_core.db import db
from review.referential import services
from review.referential.models import Area, Criterion
from tests.factories import PASSWORD, make_user, referential_data
from tests.helpers import login

RGESN_FAMILIES = {
    "Stratégie", "Spécifications", "Architecture", "UX/UI", "Contenus", "Frontend",
    "Backend", "Hébergement", "Algorithmie",
}  # fmt: skip


def test_shipped_versions_load_and_2023_is_current(app_ctx):
    old, new = services.load_shipped_referentials()
    assert (old.version, new.version) == ("2022", "2023")
    # (other tests may have published later test versions: look at a fixed date)
    assert services.current_version(date(2024, 6, 1)).version == "2023"
    assert services.current_version(date(2022, 6, 1)).version == "2022"
    assert services.current_version(date(2021, 6, 1)) is None
    assert len(new.criteria) >= 80
    grouped = services.criteria_by_area(new)
    assert all(len(grouped[area]) >= 10 for area in Area)
    topics = {c.topic for c in grouped[Area.ENVIRONMENT]}
    assert topics >= RGESN_FAMILIES
    codes = {c.code for c in new.criteria}
    assert {"URB-01", "URB-04", "URB-06", "URB-07", "INT-01", "ETH-07", "ETH-10"} <= codes
    assert all(c.statement["fr"] and c.statement["en"] for c in new.criteria)


def test_loading_the_same_content_again_changes_nothing(app_ctx):
    services.load_shipped_referentials()
    count = db.session.scalar(select(func.count()).select_from(Criterion))
    _again, created = services.load_referential_file(services.DATA_DIR / "referential-2023.yaml")
    assert created is False
    assert db.session.scalar(select(func.count()).select_from(Criterion)) == count


def test_a_published_version_is_immutable(app_ctx, tmp_path):
    services.publish_referential(services.parse_referential(yaml.safe_dump(referential_data())))
    changed = referential_data()
    changed["criteria"][1]["weight"] = 5
    with pytest.raises(services.ReferentialImmutable):
        services.publish_referential(services.parse_referential(yaml.safe_dump(changed)))
    criterion = db.session.scalar(select(Criterion).where(Criterion.code == "SEC-01"))
    assert criterion.weight == 2


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["criteria"][0].update(area="marketing"), "criteria"),
        (lambda d: d["criteria"][0].update(code="bad code"), "criteria"),
        (lambda d: d["criteria"][1].update(code="URB-01"), "criteria"),
        (lambda d: d["criteria"][0]["statement"].pop("en"), "criteria"),
        (lambda d: d["criteria"][0].update(weight=0), "criteria"),
        (lambda d: d.pop("version"), "version"),
        (lambda d: d.update(surprise=True), "surprise"),
    ],
)
def test_invalid_files_are_refused_with_the_reason(app_ctx, mutate, field):
    data = referential_data()
    mutate(data)
    with pytest.raises(services.ReferentialError) as caught:
        services.parse_referential(yaml.safe_dump(data))
    assert field in caught.value.messages


def test_not_yaml_is_refused(app_ctx):
    with pytest.raises(services.ReferentialError):
        services.parse_referential("version: [unclosed")
    with pytest.raises(services.ReferentialError):
        services.parse_referential("- just\n- a list\n")


def test_comparison_lists_added_removed_and_changed_criteria(app_ctx):
    old, new = services.load_shipped_referentials()
    diff = services.compare_versions(old, new)
    added = {c.code for c in diff.added}
    assert {"SEC-07", "SEC-08", "SEC-16", "ETH-20"} <= added
    assert [c.code for c in diff.removed] == ["SEC-22"]
    changed = {after.code: changes for _before, after, changes in diff.changed}
    assert "statement" in changed["SEC-02"]
    assert changed["ETH-12"] == ["mandatory", "weight"]
    assert diff.unchanged == len(new.criteria) - len(added) - len(changed)


def test_cli_load_publishes_then_refuses_a_changed_file(app, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "ref.yaml"
    path.write_text(yaml.safe_dump(referential_data("CLI-1")), encoding="utf-8")
    result = runner.invoke(args=["referential", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert "Published version CLI-1 (6 criteria)" in result.output
    changed = referential_data("CLI-1")
    changed["criteria"].pop()
    path.write_text(yaml.safe_dump(changed), encoding="utf-8")
    result = runner.invoke(args=["referential", "load", str(path)])
    assert result.exit_code == 1
    assert "immutable" in result.output
    with app.app_context():
        assert len(services.get_version("CLI-1").criteria) == 6


def test_agents_browse_and_compare_versions(app, client):
    with app.app_context():
        services.load_shipped_referentials()
        make_user(Role.AGENT, email="agent-ref@test.ens")
        make_user(Role.EDITOR, email="editor-ref@test.ens")
        db.session.commit()
    login(client, "agent-ref@test.ens", PASSWORD)
    assert "2023" in client.get("/agent/referentiel").get_data(as_text=True)
    page = client.get("/agent/referentiel/2023").get_data(as_text=True)
    assert "URB-01" in page and "HDS" in page
    compare = client.get("/agent/referentiel/comparer?de=2022&a=2023")
    assert compare.status_code == 200
    assert "SEC-22" in compare.get_data(as_text=True)
    assert client.get("/agent/referentiel/comparer?de=2022").status_code == 400
    assert client.get("/agent/referentiel/comparer?de=2022&a=1999").status_code == 404
    assert client.get("/agent/referentiel/1999").status_code == 404
    other = app.test_client()
    login(other, "editor-ref@test.ens", PASSWORD)
    assert other.get("/agent/referentiel").status_code == 403


def test_data_files_are_valid_yaml_with_a_header():
    for name in services.SHIPPED_FILES:
        text = Path(services.DATA_DIR / name).read_text(encoding="utf-8")
        assert text.startswith("# Referencing referential")

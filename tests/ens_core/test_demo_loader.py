"""The demo loader and its data format: relative dates, declared series, defaults, clear
errors, and a story extended by adding a data block."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime

import pytest

from catalogue.editor.services import logo_file, sandbox_client
from catalogue.services import get_service_by_slug, hosting_countries
from ens_core.demo import DemoDataError, load_demo, records_of
from ens_core.demo.dates import resolve
from ens_core.demo.loader import DATA_DIR, story_files
from ens_core.demo.series import draw, rng_for, sample_days
from ens_core.security import secret_matches
from review.dossiers.models import DossierState
from review.dossiers.services import latest_dossier_of

NOW = datetime(2026, 12, 3, 7, 30, tzinfo=UTC)
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8"/></svg>'
)


def test_relative_and_absolute_dates():
    fields = {
        "born": "today-16y-4m",
        "held_at": "today+14d 13:00",
        "at": "now-45d",
        "decided": "2026-03-02 10:00",
        "nested": [{"deadline": "today+21d"}],
        "text": "today is a plain sentence",
    }
    assert resolve(fields, now=NOW) == {
        "born": date(2010, 8, 3),
        "held_at": datetime(2026, 12, 17, 13, 0, tzinfo=UTC),
        "at": datetime(2026, 10, 19, 7, 30, tzinfo=UTC),
        "decided": datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        "nested": [{"deadline": date(2026, 12, 24)}],
        "text": "today is a plain sentence",
    }


def test_series_keep_their_rhythm_and_their_numbers():
    today = date(2026, 12, 3)
    before = sample_days(date(2025, 12, 3), date(2026, 4, 6), 3, today)
    after = sample_days(date(2026, 4, 7), date(2026, 12, 2), 3, today)
    assert {(today - day).days % 3 for day in before + after} == {0}
    assert (after[0] - before[-1]).days == 3  # two rules over adjoining periods
    rule = {"mean": 7800, "wave": 2500, "noise": 1500, "min": 800}
    first = [draw(rule, ago, rng_for(3)) for ago in range(50)]
    assert first == [draw(rule, ago, rng_for(3)) for ago in range(50)]
    assert min(first) >= 800 and all(isinstance(v, int) for v in first)
    assert draw({"mean": 68.5, "slope": 2.5, "decimals": 1}, 365, rng_for(4)) == 66.0


def test_the_story_declares_what_readme_promises():
    services = [fields["slug"] for fields in records_of("service")]
    assert len(services) == len(set(services)) == 38  # 16 in the story, 22 in catalogue.yaml
    [sandbox] = [f["sandbox_client"] for f in records_of("service") if f["slug"] == "tension-suivi"]
    assert sandbox["client_id"] == "sandbox-tension-suivi"  # from the file's defaults
    assert sandbox["secret"] == "sandbox-tension-suivi-secret"
    [nordic] = [f for f in records_of("service") if f["slug"] == "nordic-move"]
    assert nordic["hosting"][0]["country"] == "NO"  # a string, not YAML 1.1's False


def _story(tmp_path, *files: tuple[str, str]):
    """A copy of the shipped story with more files after it."""
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    index = (data / "index.yaml").read_text(encoding="utf-8")
    for name, text in files:
        (data / name).write_text(text, encoding="utf-8")
        index += f"  - {name}\n"
    (data / "index.yaml").write_text(index, encoding="utf-8")
    return data


def _only(tmp_path, text: str):
    data = tmp_path / "data"
    data.mkdir()
    (data / "index.yaml").write_text("files: [story.yaml]\n", encoding="utf-8")
    (data / "story.yaml").write_text(text, encoding="utf-8")
    return data


def test_a_record_of_an_unknown_kind_is_refused_by_name(tmp_path, app_ctx):
    data = _only(tmp_path, "records:\n  - acount: {email: x@demo.ens}\n")
    with pytest.raises(DemoDataError, match=r"story.yaml, record 1: no package loads 'acount'"):
        load_demo(data_dir=data)


def test_a_refused_record_says_where_it_is(tmp_path, app_ctx):
    data = _only(
        tmp_path,
        "records:\n  - organisation: {legal_name: X SAS, founder: nobody@demo.ens, country: FR}\n",
    )
    with pytest.raises(
        DemoDataError, match=r"record 1 \(organisation\): unknown user 'nobody@demo.ens'"
    ):
        load_demo(data_dir=data)


def test_a_default_naming_a_missing_field_is_refused(tmp_path, app_ctx):
    data = _only(
        tmp_path,
        'defaults:\n  account: {name: "{nickname}"}\nrecords:\n  - account: {email: x@demo.ens}\n',
    )
    with pytest.raises(DemoDataError, match=r"record 1: a default names 'nickname'"):
        load_demo(data_dir=data)


def test_loading_through_a_file_not_in_the_story_is_refused(app_ctx):
    with pytest.raises(DemoDataError, match=r"not in index\.yaml"):
        load_demo(through="nothing.yaml")


def test_adding_a_service_is_adding_a_block(tmp_path, app_ctx):
    data = _story(
        tmp_path,
        (
            "more.yaml",
            """
defaults:
  service:
    sandbox_client: {client_id: "sandbox-{slug}", secret: "sandbox-{slug}-secret"}
records:
  - service:
      slug: carnet-vaccins
      name: Carnet Vaccins
      organisation: Santé Connect SAS
      by: editeur@demo.ens
      short_description: Vos vaccinations et leurs rappels.
      categories: [prevention]
      platforms: [web]
      price_model: free
      audiences: [adults, minors]
      logo: carnet-vaccins.svg
      hosting:
        - {provider: OVHcloud, country: FR, hds_certificate_number: HDS-OVH-2024-0112, hds_certificate_expiry: today+730d, effective_from: 2024-01-01}
  - dossier:
      service: carnet-vaccins
      by: editeur@demo.ens
      agent: agent@demo.ens
      quality: 0.8
      not_applicable: 0.3
      evidence: blank-page.pdf
      texts: {no: Pas encore., not_applicable: Sans objet., by_topic: {}, by_area: {urbanisation: Oui., security: Oui., interoperability: Oui., ethics: Oui., environment: Oui.}}
      data: [{scope: patient/Immunization.rs, purpose: prevention, retention_days: 365}]
      state: evaluated
""",
        ),
    )
    (data / "files" / "carnet-vaccins.svg").write_bytes(SVG)
    loaded = load_demo(data_dir=data)
    assert (loaded[-1].records, loaded[-1].added) == (2, 2)
    service = get_service_by_slug("carnet-vaccins")
    assert hosting_countries(service) == ["FR"]
    assert secret_matches("sandbox-carnet-vaccins-secret", sandbox_client(service).secret_hash)
    assert logo_file(service) is not None
    assert latest_dossier_of(service).state is DossierState.EVALUATED
    again = load_demo(data_dir=data)
    assert sum(file.added for file in again) == 0


def test_ens_demo_load_commits_once_and_reports(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "accounts.yaml: 20 records, 20 new" in first.output
    second = runner.invoke(args=["demo", "load"])
    lines = second.output.splitlines()
    assert len(lines) == len(story_files()), lines
    assert all(line.endswith(", 0 new") for line in lines), lines

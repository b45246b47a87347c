import pytest

from ens_core.config import ConfigurationError, load_config


def test_secret_key_is_generated_once_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv("ENS_SECRET_KEY", raising=False)
    first = load_config(str(tmp_path))["SECRET_KEY"]
    second = load_config(str(tmp_path))["SECRET_KEY"]
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_refuses_to_start_without_a_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("ENS_SECRET_KEY", raising=False)
    monkeypatch.setenv("ENS_ENV", "production")
    with pytest.raises(ConfigurationError, match="ENS_SECRET_KEY"):
        load_config(str(tmp_path))


def test_defaults_and_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("ENS_DATABASE_URL", raising=False)
    monkeypatch.setenv("ENS_ISSUER", "https://ens.example/")
    config = load_config(str(tmp_path), {"SECRET_KEY": "k"})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'ens.db'}"
    assert config["ENS_ISSUER"] == "https://ens.example"
    assert config["SESSION_COOKIE_SECURE"] is True

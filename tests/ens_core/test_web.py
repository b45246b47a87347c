import pytest

from ens_core import create_app


def test_home_explains_the_store_to_three_audiences(client):
    body = client.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in body
    assert "Comment ça marche" in body
    assert "/inscription" in body and "/editeur/inscription" in body
    assert 'class="skip-link" href="#contenu"' in body
    assert 'role="banner"' in body and 'role="contentinfo"' in body and "<main" in body


def test_security_headers_on_every_response(client):
    for path in ("/", "/login", "/healthz", "/does-not-exist"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_no_inline_script_or_style_in_pages(client):
    body = client.get("/").get_data(as_text=True)
    assert "<script>" not in body and "style=" not in body
    assert "//cdn" not in body


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


@pytest.mark.own_database
def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 1}},
            "SECRET_KEY": "x" * 32,
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "error"}


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)


def test_api_errors_are_json_problems(client):
    response = client.get("/api/nowhere")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404

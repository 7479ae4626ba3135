"""Security headers on every answer (pages, the API, errors, static files); static files cached."""

from __future__ import annotations

SECURITY = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "same-origin"}


def test_every_answer_carries_the_security_headers(client):
    for path in ("/", "/login", "/api/v1/requests/NOPE-NOPE", "/no-such-page", "/static/app.css"):
        resp = client.get(path)
        for name, value in SECURITY.items():
            assert resp.headers.get(name) == value, (path, name)
        assert "frame-ancestors 'none'" in resp.headers["content-security-policy"], path
        assert len(resp.headers.get_list("x-frame-options")) == 1, path
    assert client.get("/static/app.css").headers["cache-control"] == "public, max-age=3600"
    assert "max-age=3600" not in client.get("/").headers.get("cache-control", "")
    assert "max-age=3600" not in client.get("/static/no-such-file.css").headers.get("cache-control", "")

"""Absolute links, QR codes and posters come from PUBLIC_BASE_URL, never from the request's Host
header: a forged Host cannot put another site on a poster or into a shared cache."""

from __future__ import annotations

from core.settings import get_settings
from tests.security.conftest import login

BASE = "https://needs.example.org"


def test_survey_links_qr_codes_and_posters_follow_the_setting_not_the_host(app, world, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE + "/")
    get_settings.cache_clear()
    client = login(app, "admin")
    forged = {"Host": "evil.example"}
    survey = world["A"]["survey"]
    poster = client.get(f"/s/{survey.slug}/poster", headers=forged).text
    assert f"{BASE}/s/{survey.slug}" in poster and "evil.example" not in poster
    listed = client.get("/api/v1/surveys", headers=forged).json()
    assert {s["url"] for s in listed} == {f"{BASE}/s/survey-a", f"{BASE}/s/survey-b"}
    assert client.get(f"/api/v1/surveys/{survey.id}", headers=forged).json()["url"] == f"{BASE}/s/{survey.slug}"
    links = client.get(f"/admin/surveys/{survey.id}/links.csv", headers=forged).text
    assert links.splitlines()[1].startswith(f"1,{BASE}/s/{survey.slug}?t=")
    assert "evil.example" not in client.get("/admin/surveys", headers=forged).text
    qr_forged = client.get(f"/s/{survey.slug}/qr.png", headers=forged)
    qr_plain = client.get(f"/s/{survey.slug}/qr.png")
    assert qr_forged.headers["content-type"] == "image/png"
    assert qr_forged.content == qr_plain.content  # the same image whatever the Host: safe for any cache
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://other.example")
    get_settings.cache_clear()
    assert client.get(f"/s/{survey.slug}/qr.png").content != qr_plain.content  # the code does carry the address
    get_settings.cache_clear()

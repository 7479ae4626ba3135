"""Small factories shared by tests (and reusable by benchmarks)."""

from __future__ import annotations

from sqlmodel import Session

from core.models import Place, PlaceKind


def make_places(session: Session) -> dict[str, Place]:
    street = Place(kind=PlaceKind.street, name="测试街道", code="T")
    session.add(street)
    session.flush()
    out = {"street": street}
    for c in ("A", "B"):
        community = Place(kind=PlaceKind.community, name=f"{c}社区", code=f"T-{c}", parent_id=street.id)
        session.add(community)
        session.flush()
        out[f"community_{c}"] = community
        for i in (1, 2):
            p = Place(kind=PlaceKind.compound, name=f"{c}小区{i}", code=f"T-{c}-{i}", parent_id=community.id)
            session.add(p)
            session.flush()
            out[f"compound_{c}{i}"] = p
    session.commit()
    return out


def login(client, username: str, password: str):
    """Log in through the real form (with its CSRF token)."""
    import re

    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                       "next": "/admin"}, follow_redirects=False)


def form_token(html: str, name: str = "csrf_token") -> str:
    import re

    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)

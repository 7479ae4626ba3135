"""`needs setup`: what a street's own deployment needs before its first request (app/cli.py asks).

Migrate, make sure a model is active (trained on the seed set when there is none), create the first
administrator, name the street and set its time zone. Each step looks first and does only what is
missing, so running setup again changes nothing; what it did or found is said in one line each.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, col, select

from core.audit import audit
from core.db import get_engine
from core.localtime import valid_zone
from core.migrate import upgrade
from core.models import Place, PlaceKind, Role, StaffUser, utcnow
from core.readiness import NotReady, check_database, sqlite_file
from core.settings import get_settings
from core.taxonomy import sync_categories

DEFAULT_STREET_CODE = "ST"
USERNAME = re.compile(r"^[\w.@-]{1,64}$")
ENV_FILE = ".env"  # what core.settings reads, in the working directory


class SetupError(Exception):
    """An answer setup cannot use; the message says which and why."""


@dataclass
class State:
    """What the database holds already."""

    users: dict[str, str] = field(default_factory=dict)  # username → role
    street: tuple[str, str] | None = None  # (name, code)
    time_zone: str = "Asia/Shanghai"

    def admin_exists(self, username: str | None) -> bool:
        return username is not None and self.users.get(username) == Role.admin

    @property
    def admins(self) -> list[str]:
        return sorted(u for u, r in self.users.items() if r == Role.admin)


def inspect() -> State:
    """Read what is there (nothing, for a database that is new or not migrated yet)."""
    state = State(time_zone=get_settings().time_zone)
    engine = get_engine()
    path = sqlite_file(engine.url)
    if path is not None and not path.exists():
        return state
    try:
        check_database(engine)
    except NotReady as exc:
        if "not set up" in str(exc) or "not migrated" in str(exc):
            return state
        raise SetupError(str(exc)) from exc
    with Session(engine) as session:
        state.users = dict(session.exec(select(StaffUser.username, StaffUser.role)).all())
        street = session.exec(select(Place).where(Place.kind == PlaceKind.street, col(Place.retired_at).is_(None))
                              .order_by(col(Place.id))).first()
        state.street = (street.name, street.code) if street else None
    return state


@dataclass
class Plan:
    admin: str | None = None
    street: str | None = None
    street_code: str | None = None
    time_zone: str | None = None
    password: str | None = None

    def fill_defaults(self, state: State) -> None:
        if self.admin is None and state.admins:
            self.admin = state.admins[0]
        if self.street is None and state.street:
            self.street = state.street[0]
        if self.street_code is None:
            self.street_code = state.street[1] if state.street else DEFAULT_STREET_CODE
        self.time_zone = self.time_zone or state.time_zone

    def ask(self, state: State, prompt: Callable) -> None:
        """The questions of an interactive setup, with what is there (or a sensible value) as default."""
        self.admin = prompt("Administrator's username", default=self.admin or "admin")
        self.street = prompt("The street's name (e.g. 青枫街道)", default=self.street) if self.street \
            else prompt("The street's name (e.g. 青枫街道)")
        if state.street is None:
            self.street_code = prompt("The street's code (the parent_code of its communities in a places file)",
                                      default=self.street_code)
        self.time_zone = prompt("Time zone", default=self.time_zone)

    def check(self) -> None:
        if not self.admin:
            raise SetupError("the first administrator needs a username: --admin USER")
        if not USERNAME.match(self.admin):
            raise SetupError(f"username {self.admin!r}: letters, digits and . _ @ - only, at most 64")
        if self.password is not None and len(self.password) < 8:
            raise SetupError("the admin's password needs at least 8 characters")
        if not self.street or not self.street.strip() or len(self.street.strip()) > 120:
            raise SetupError("the street needs a name of at most 120 characters: --street NAME")
        self.street = " ".join(self.street.split())
        if not re.match(r"^[\w.\-]{1,40}$", self.street_code or ""):
            raise SetupError(f"street code {self.street_code!r}: letters, digits, - _ . only, at most 40")
        if not valid_zone(self.time_zone or ""):
            raise SetupError(f"unknown time zone {self.time_zone!r}: use a name such as Asia/Shanghai")

    def required(self) -> tuple[str, str, str, str]:
        """(administrator, street, street code, time zone) of a checked plan."""
        if not (self.admin and self.street and self.street_code and self.time_zone):
            raise SetupError("the plan is incomplete: check() it first")
        return self.admin, self.street, self.street_code, self.time_zone

    def describe(self, state: State) -> str:
        admin = (f"administrator {self.admin!r} exists already" if state.admin_exists(self.admin)
                 else f"create the administrator {self.admin!r}")
        if state.street is None:
            street = f"create the street {self.street} (code {self.street_code})"
        elif state.street[0] != self.street:
            street = f"rename the street {state.street[0]} to {self.street}"
        else:
            street = f"the street {self.street} exists already"
        return "\n".join(["Setup will:", "  migrate the database and make sure a model is active", f"  {admin}",
                          f"  {street}", f"  use the time zone {self.time_zone}"])


def run(plan: Plan) -> Iterator[str]:
    """Do what the plan says is missing, saying in one line per step what was done or found."""
    from nlp.cli import ensure_model
    from nlp.registry import get_classifier

    engine = get_engine()
    upgrade(engine)
    with Session(engine) as session:
        added = sync_categories(session)
        has_model = get_classifier(session) is not None
    yield (f"database {engine.url.render_as_string(hide_password=True)}: up to date"
           + (f", {added} categories added" if added else ""))
    if not has_model:
        yield "no model yet: training the first one on the seed set (about a minute)..."
    ensure_model()
    changed = plan.required()[3] != get_settings().time_zone
    yield _time_zone(plan.required()[3])
    with Session(engine) as session:
        if changed:  # days and months are the street's: the demand rollup is counted again
            from admin.demand import mark_all_stale

            mark_all_stale(session)
        yield _street(session, plan)
        yield _admin(session, plan)
        session.commit()
    yield "next: needs places import FILE, needs user create ..., needs import requests FILE, needs serve"


def _time_zone(zone: str) -> str:
    current = get_settings().time_zone
    if zone == current:
        return f"time zone {zone}"
    if os.environ.get("TIME_ZONE"):
        raise SetupError(f"TIME_ZONE is {os.environ['TIME_ZONE']} in the environment: change it there")
    path = Path.cwd() / ENV_FILE
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    lines = [line for line in lines if not line.strip().startswith("TIME_ZONE=")] + [f"TIME_ZONE={zone}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    get_settings.cache_clear()
    return f"time zone {zone} (written to {path})"


def _street(session: Session, plan: Plan) -> str:
    _, name, code, _ = plan.required()
    street = session.exec(select(Place).where(Place.kind == PlaceKind.street, col(Place.retired_at).is_(None))
                          .order_by(col(Place.id))).first()
    if street is None:
        taken = session.exec(select(Place).where(Place.code == code)).first()
        if taken is not None:
            raise SetupError(f"the code {code} belongs to {taken.name} already: choose another")
        street = Place(kind=PlaceKind.street, name=name, code=code)
        session.add(street)
        session.flush()
        audit(session, None, "place.create", "place", street.id, code=street.code, name=street.name)
        return f"street {street.name} created (code {street.code})"
    if street.name != name:
        old, street.name, street.updated_at = street.name, name, utcnow()
        session.add(street)
        audit(session, None, "place.update", "place", street.id, name=[old, street.name])
        return f"street renamed from {old} to {street.name} (code {street.code})"
    return f"street {street.name} (code {street.code})"


def _admin(session: Session, plan: Plan) -> str:
    from core.accounts import create_user

    admin = plan.required()[0]
    user = session.exec(select(StaffUser).where(StaffUser.username == plan.admin)).first()
    if user is not None:
        if user.role != Role.admin:
            raise SetupError(f"{plan.admin!r} exists already as a {user.role}, not an administrator")
        return f"administrator {plan.admin!r} exists already (password unchanged)"
    if plan.password is None:
        raise SetupError("the new administrator needs a password")
    try:
        user = create_user(session, admin, plan.password, Role.admin)
    except ValueError as exc:
        raise SetupError(str(exc)) from exc
    audit(session, None, "staff.create", "staff", user.id, username=user.username, role=user.role)
    return f"administrator {plan.admin!r} created: log in at /login"

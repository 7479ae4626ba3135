"""Who may see what: roles and community scopes, decided here and nowhere else.

Admins see every community; a community worker sees the communities they are assigned to;
organization viewers see no raw requests at all (only their own projects' figures).
"""

from __future__ import annotations

from fastapi import HTTPException
from sqlmodel import Session, col, or_, select

from core.models import (
    Cluster,
    Place,
    PlaceKind,
    ProjectPlace,
    PurchaseRound,
    Role,
    ServiceProject,
    ServiceRequest,
    StaffCommunity,
    StaffUser,
    Survey,
)

NOWHERE = [-1]  # an IN list that matches no row: `IN ()` is not valid SQL everywhere


def community_scope(session: Session, user: StaffUser) -> list[int] | None:
    """Communities a user may read: None means all (admin); org viewers see no raw requests."""
    if user.role == Role.admin:
        return None
    if user.role == Role.worker:
        return list(session.exec(select(StaffCommunity.place_id).where(StaffCommunity.user_id == user.id)))
    return []


def scope_ids(scope: list[int] | None) -> list[int]:
    """A restricted scope as an IN list (an empty scope matches nothing)."""
    return scope or NOWHERE


def staff_only(user: StaffUser) -> None:
    """Workers and admins; organization viewers never see raw requests."""
    if user.role not in (Role.admin, Role.worker):
        raise HTTPException(status_code=403, detail="not allowed for your role")


def scoped(stmt, session: Session, user: StaffUser, column=None):
    """Restrict a statement to rows whose community (`column`, the request's by default) the user may read."""
    column = ServiceRequest.community_id if column is None else column
    scope = community_scope(session, user)
    if scope is not None:
        stmt = stmt.where(column.in_(scope_ids(scope)))
    return stmt


def visible_communities(session: Session, user: StaffUser) -> list[Place]:
    scope = community_scope(session, user)
    stmt = select(Place).where(Place.kind == PlaceKind.community).order_by(col(Place.name))
    if scope is not None:
        stmt = stmt.where(col(Place.id).in_(scope_ids(scope)))
    return list(session.exec(stmt))


def unplaced_streets(session: Session, user: StaffUser) -> list[int] | None:
    """Where a user sees requests that have no community yet (the "no place yet" queue): None means
    everywhere (admins); a worker sees those of their communities' streets, and those that name no
    place at all; organization viewers see none."""
    if user.role == Role.admin:
        return None
    scope = community_scope(session, user)
    if not scope:
        return []
    parents = session.exec(select(col(Place.parent_id)).where(col(Place.id).in_(scope),
                                                              col(Place.parent_id).is_not(None)).distinct())
    return [parent for parent in parents if parent is not None]  # None is filtered above: for the checker


def unplaced_condition(session: Session, user: StaffUser):
    """The requests without a community that the user may read (an SQL condition)."""
    streets = unplaced_streets(session, user)
    condition = col(ServiceRequest.community_id).is_(None)
    if streets is None:
        return condition
    if user.role != Role.worker:
        return col(ServiceRequest.id).in_(NOWHERE)
    return condition & (col(ServiceRequest.place_id).is_(None) | col(ServiceRequest.place_id).in_(scope_ids(streets)))


def requests_visible(stmt, session: Session, user: StaffUser):
    """Restrict a statement on requests to those the user may read: their communities' requests and
    the unplaced ones of their street."""
    scope = community_scope(session, user)
    if scope is None:
        return stmt
    return stmt.where(col(ServiceRequest.community_id).in_(scope_ids(scope)) | unplaced_condition(session, user))


def can_read_request(session: Session, user: StaffUser, request: ServiceRequest) -> bool:
    """Whether the user may read (and work) this request."""
    if user.role not in (Role.admin, Role.worker):
        return False
    scope = community_scope(session, user)
    if scope is None or request.community_id in scope:
        return True
    if request.community_id is not None:
        return False
    streets = unplaced_streets(session, user)
    return request.place_id is None or request.place_id in (streets or [])


def can_read_cluster(session: Session, user: StaffUser, cluster: Cluster) -> bool:
    """A demand cluster belongs to one community; workers read (and link to) those of their own."""
    if user.role not in (Role.admin, Role.worker):
        return False
    scope = community_scope(session, user)
    return scope is None or cluster.place_id in scope


def visible_projects(session: Session, user: StaffUser):
    """Service projects a user may read, as a statement. Admins: all. Workers: projects serving their
    communities (or their compounds), or bought by their community or its street. Organization
    viewers: their organization's own."""
    stmt = select(ServiceProject).order_by(col(ServiceProject.name))
    if user.role == Role.org:
        return stmt.where(ServiceProject.organization_id == (user.organization_id or NOWHERE[0]))
    scope = community_scope(session, user)
    if scope is None:
        return stmt
    parents = select(Place.parent_id).where(col(Place.id).in_(scope_ids(scope)))
    compounds = select(Place.id).where(col(Place.parent_id).in_(scope_ids(scope)))
    served = select(ProjectPlace.project_id).where(or_(col(ProjectPlace.place_id).in_(scope_ids(scope)),
                                                       col(ProjectPlace.place_id).in_(compounds)))
    bought = select(PurchaseRound.id).where(or_(col(PurchaseRound.place_id).in_(scope_ids(scope)),
                                                col(PurchaseRound.place_id).in_(parents)))
    return stmt.where(or_(col(ServiceProject.id).in_(served), col(ServiceProject.round_id).in_(bought)))


def can_read_project(session: Session, user: StaffUser, project_id: int | None) -> bool:
    if project_id is None:
        return False
    return session.exec(visible_projects(session, user).where(ServiceProject.id == project_id)).first() is not None


def can_read_round(session: Session, user: StaffUser, rnd: PurchaseRound) -> bool:
    """Purchase rounds: admins all; workers those bought by their own communities."""
    if user.role not in (Role.admin, Role.worker):
        return False
    scope = community_scope(session, user)
    return scope is None or rnd.place_id in scope


def can_read_survey(session: Session, user: StaffUser, survey: Survey) -> bool:
    """A survey's definition, results and exports: admins all; a worker those that reach one of their
    communities: aimed at it, at one of its compounds, at its street, or at no place in particular."""
    if user.role not in (Role.admin, Role.worker):
        return False
    scope = community_scope(session, user)
    if scope is None or not survey.target_place_ids:
        return True
    ids = scope_ids(scope)
    reach = set(scope) | set(session.exec(select(Place.id).where(col(Place.parent_id).in_(ids)))) \
        | set(session.exec(select(Place.parent_id).where(col(Place.id).in_(ids))))  # its compounds, its street
    return bool(set(survey.target_place_ids) & reach)


def can_edit_survey(session: Session, user: StaffUser, survey: Survey) -> bool:
    """Admins edit every survey; a worker edits surveys aimed only at their own communities."""
    if user.role not in (Role.admin, Role.worker):
        return False
    scope = community_scope(session, user)
    if scope is None:
        return True
    return bool(survey.target_place_ids) and set(survey.target_place_ids) <= set(scope)

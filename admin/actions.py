"""What staff do to a request. Every action appends a RequestEvent and an AuditLog row; status
changes, replies and assignments reach the resident through the outbox (core.notify), or become a
call for the worker when the resident left only a phone number.

Each function validates, changes the request and records history in the caller's session;
the caller commits once, so an action is all-or-nothing.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from core import deadlines, notify
from core.audit import audit
from core.db import row_id
from core.i18n import N_, gettext
from core.labels import label
from core.localtime import format_local, parse_local
from core.models import (
    CallTask,
    Category,
    Channel,
    Cluster,
    EventType,
    Organization,
    Place,
    PlaceKind,
    RequestEvent,
    Role,
    ServiceProject,
    ServiceRequest,
    StaffCommunity,
    StaffUser,
    Status,
    utcnow,
)
from core.permissions import can_read_cluster, can_read_project, can_read_request
from core.residents import RatingError, record_rating
from core.text import IntakeError, clean_text

# received → accepted → in progress → resolved / not actionable; a closed request may be reopened.
TRANSITIONS: dict[str, set[str]] = {
    Status.received: {Status.accepted, Status.in_progress, Status.resolved, Status.not_actionable},
    Status.accepted: {Status.in_progress, Status.resolved, Status.not_actionable},
    Status.in_progress: {Status.resolved, Status.not_actionable, Status.accepted},
    Status.resolved: {Status.in_progress},
    Status.not_actionable: {Status.accepted},
}
NEEDS_REASON = {Status.not_actionable}
CALL_ATTEMPTS = 3  # a resident not reached after this many calls: the call task closes as unreachable


# What each refusal says to the worker; {status}, {old} and {new} are status codes, shown by name.
MESSAGES = {
    "unknown_status": N_("unknown status {status}"),
    "same_status": N_("the request is already {status}"),
    "bad_transition": N_("cannot go from {old} to {new}"),
    "reason_needed": N_("a request closed as not actionable needs a reason"),
    "no_colleague": N_("no such colleague"),
    "colleague_elsewhere": N_("that colleague does not work in this request's community"),
    "unknown_category": N_("unknown category {code}"),
    "same_category": N_("the request has that category already"),
    "not_in_review": N_("the request is not waiting for review"),
    "no_cluster": N_("no such cluster"),
    "same_cluster": N_("the request is linked to that cluster already"),
    "no_project": N_("no such service project"),
    "nothing_to_change": N_("nothing to change"),
    "bad_text": N_("{what}: {error}"),
    "unknown_action": N_("unknown action {action}"),
    "urgent_reason": N_("say why the urgent flag is wrong: the reason becomes training data"),
    "no_community": N_("no such community"),
    "same_community": N_("the request is in that community already"),
    "no_ticket": N_("no ticket {ticket} that you can see"),
    "duplicate_of_itself": N_("a ticket cannot be a duplicate of itself"),
    "already_duplicate": N_("the ticket is a duplicate already"),
    "follows_other": N_("this ticket follows {ticket}: work that one"),
    "extend_reason": N_("an extension needs a reason"),
    "bad_deadline": N_("give the new deadline as a date and time, such as 2026-06-30 18:00"),
    "not_later": N_("an extension must move the deadline later than {deadline}"),
    "unknown_deadline": N_("unknown deadline"),
    "call_done": N_("that call has been recorded already"),
    "bad_outcome": N_("unknown call outcome"),
    "bad_score": N_("a rating is a whole number from 1 to 5"),
}


class ActionError(ValueError):
    """An action refused, with a message for the worker in their language."""

    def __init__(self, code: str, /, **params):  # positional: a message may have a {code} of its own
        self.code = code
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        _ = gettext(lang)

        def show(key, value):
            if isinstance(value, IntakeError):
                return value.message(lang)
            if key == "what":
                return _(value)
            return label(lang, "status", value) if key in ("status", "old", "new") else value

        return _(MESSAGES[self.code]).format(**{k: show(k, v) for k, v in self.params.items()})


def can_read(session: Session, user: StaffUser, req: ServiceRequest) -> bool:
    return can_read_request(session, user, req)


def _event(session: Session, req: ServiceRequest, user: StaffUser, type_: EventType, from_value=None, to_value=None,
           message: str = "") -> RequestEvent:
    ev = RequestEvent(request_id=row_id(req), type=type_, actor_id=user.id,
                      from_value=None if from_value is None else str(from_value)[:80],
                      to_value=None if to_value is None else str(to_value)[:80], message=message)
    session.add(ev)
    req.updated_at = utcnow()
    session.add(req)
    return ev


def _text(value: str, limit: int, what: str) -> str:
    try:
        return clean_text(value, limit=limit)
    except IntakeError as exc:
        raise ActionError("bad_text", what=what, error=exc) from exc


def _responded(req: ServiceRequest) -> None:
    """The first status change, reply or call by staff is the response the response rate counts."""
    if req.responded_at is None:
        req.responded_at = utcnow()


def _survivor(session: Session, req: ServiceRequest) -> None:
    """A duplicate is worked through the ticket it follows."""
    if req.duplicate_of_id is not None:
        other = session.get(ServiceRequest, req.duplicate_of_id)
        raise ActionError("follows_other", ticket=other.ticket if other else req.duplicate_of_id)


def _calls_made(session: Session, user: StaffUser, told: notify.Told, req: ServiceRequest) -> None:
    for task in told.calls:
        if task.id is None:
            session.flush()
        target = session.get(ServiceRequest, task.request_id) or req
        _event(session, target, user, EventType.call_task, to_value=task.purpose, message=task.message)


def change_status(session: Session, user: StaffUser, req: ServiceRequest, status: str, reason: str = "", ip: str = "") -> notify.Told:
    _survivor(session, req)
    try:
        status = Status(status)
    except ValueError as exc:
        raise ActionError("unknown_status", status=status) from exc
    if status == req.status:
        raise ActionError("same_status", status=status)
    if status not in TRANSITIONS[Status(req.status)]:
        raise ActionError("bad_transition", old=req.status, new=status)
    reason = _text(reason, 500, N_("reason")) if reason and reason.strip() else ""
    if status in NEEDS_REASON and not reason:
        raise ActionError("reason_needed")
    old = req.status
    req.status = status
    req.resolved_at = utcnow() if status in (Status.resolved, Status.not_actionable) else None
    _responded(req)
    _event(session, req, user, EventType.status_changed, old, status, reason)
    for dup in notify.followers(session, req)[1:]:  # duplicates follow their survivor
        if dup.status != status:
            _event(session, dup, user, EventType.status_changed, dup.status, status, req.ticket)
            dup.status, dup.resolved_at = status, req.resolved_at
    audit(session, user, "request.status", "request", req.id, ip=ip, **{"from": old, "to": status})
    told = notify.status_changed(session, req, staff_id=user.id)
    _calls_made(session, user, told, req)
    return told


def assign(session: Session, user: StaffUser, req: ServiceRequest, assignee_id: int | None, ip: str = "") -> None:
    assignee = session.get(StaffUser, assignee_id) if assignee_id else None
    if assignee_id and (assignee is None or not assignee.is_active or assignee.role == Role.org):
        raise ActionError("no_colleague")
    if assignee is not None and assignee.role == Role.worker:
        scoped = session.exec(select(StaffCommunity).where(StaffCommunity.user_id == assignee.id,
                                                           StaffCommunity.place_id == req.community_id)).first()
        if scoped is None:
            raise ActionError("colleague_elsewhere")
    old = req.assignee_id
    req.assignee_id = assignee.id if assignee else None
    _event(session, req, user, EventType.assigned, old, req.assignee_id,
           assignee.display_name or assignee.username if assignee else "")
    for task in session.exec(select(CallTask).where(CallTask.request_id == req.id, col(CallTask.done_at).is_(None))):
        task.assignee_id = req.assignee_id or task.assignee_id  # the worker in charge makes the calls
        session.add(task)
    audit(session, user, "request.assign", "request", req.id, ip=ip, **{"from": old, "to": req.assignee_id})
    if assignee is not None and old != assignee.id:
        notify.assigned(session, req, worker=True)


def transfer(session: Session, user: StaffUser, req: ServiceRequest, community_id: int | None, reason: str = "",
             ip: str = "") -> None:
    """派单 to another community (or a community for a request that had none): it leaves this worker's
    list for the other community's; the resident is told who handles it now."""
    community = session.get(Place, community_id) if community_id else None
    if community is None or community.kind != PlaceKind.community:
        raise ActionError("no_community")
    if req.community_id == community.id:
        raise ActionError("same_community")
    reason = _text(reason, 500, N_("reason")) if reason and reason.strip() else ""
    old = req.community_id
    req.community_id = community.id
    req.place_id = community.id
    if req.assignee_id is not None:
        assignee = session.get(StaffUser, req.assignee_id)
        if assignee is None or assignee.role != Role.admin:
            req.assignee_id = None  # the old community's worker no longer handles it
    _event(session, req, user, EventType.transferred, old, community.id, reason or community.name)
    audit(session, user, "request.transfer", "request", req.id, ip=ip, **{"from": old, "to": community.id})
    notify.assigned(session, req, community=community)


def reply(session: Session, user: StaffUser, req: ServiceRequest, message: str, ip: str = "") -> notify.Told:
    """Reply to the residents (this ticket's and its duplicates'): queued on their channels, or a call
    to make for a resident who left only a phone number."""
    _survivor(session, req)
    message = _text(message, 1000, N_("reply"))
    _responded(req)
    _event(session, req, user, EventType.reply, message=message)
    told = notify.reply(session, req, message, staff_id=user.id)
    _calls_made(session, user, told, req)
    audit(session, user, "request.reply", "request", req.id, ip=ip, channels=len(told.messages),
          calls=len(told.calls))
    return told


def correct_category(session: Session, user: StaffUser, req: ServiceRequest, code: str, ip: str = "") -> None:
    """A worker's category: recorded from/to and fed back to training (core.training)."""
    category = session.get(Category, code)
    if category is None or not category.active:
        raise ActionError("unknown_category", code=code)
    if code == req.category_code:
        raise ActionError("same_category")
    old = req.category_code
    req.category_code = code
    req.needs_review = False
    deadlines.apply(session, req)  # complex categories have longer to resolve
    _event(session, req, user, EventType.category_corrected, old, code)
    audit(session, user, "request.category", "request", req.id, ip=ip, **{"from": old, "to": code})


def mark_reviewed(session: Session, user: StaffUser, req: ServiceRequest, ip: str = "") -> None:
    """Confirm the classifier's category: the request leaves the review queue."""
    if not req.needs_review:
        raise ActionError("not_in_review")
    req.needs_review = False
    _event(session, req, user, EventType.note, message="reviewed: category confirmed")
    audit(session, user, "request.reviewed", "request", req.id, ip=ip, category=req.category_code)


def link_cluster(session: Session, user: StaffUser, req: ServiceRequest, cluster_id: int | None, ip: str = "") -> None:
    cluster = session.get(Cluster, cluster_id) if cluster_id else None
    # only a cluster the user may read, of the request's own community: another community's stays untouched
    if cluster_id and (cluster is None or not can_read_cluster(session, user, cluster)
                       or cluster.place_id != req.community_id):
        raise ActionError("no_cluster")
    old = req.cluster_id
    if old == (cluster.id if cluster else None):
        raise ActionError("same_cluster")
    if old is not None:
        previous = session.get(Cluster, old)
        if previous is not None:
            previous.size = max(0, previous.size - 1)
            previous.updated_at = utcnow()
            session.add(previous)
    if cluster is not None:
        cluster.size += 1
        cluster.updated_at = utcnow()
        session.add(cluster)
    req.cluster_id = cluster.id if cluster else None
    _event(session, req, user, EventType.cluster_linked, old, req.cluster_id, cluster.title if cluster else "")
    audit(session, user, "request.cluster", "request", req.id, ip=ip, **{"from": old, "to": req.cluster_id})


def link_project(session: Session, user: StaffUser, req: ServiceRequest, project_id: int | None, ip: str = "") -> None:
    """派单 to a service organization's project: the resident is told which service takes it on."""
    project = session.get(ServiceProject, project_id) if project_id else None
    if project_id and (project is None or not can_read_project(session, user, project.id)):
        raise ActionError("no_project")  # the same refusal whether it exists elsewhere or not at all
    old = req.project_id
    req.project_id = project.id if project else None
    _event(session, req, user, EventType.project_linked, old, req.project_id, project.name if project else "")
    audit(session, user, "request.project", "request", req.id, ip=ip, **{"from": old, "to": req.project_id})
    if project is not None and old != project.id:
        organization = session.get(Organization, project.organization_id)
        notify.assigned(session, req, project=project, organization=organization.name if organization else "")


def set_urgent(session: Session, user: StaffUser, req: ServiceRequest, urgent: bool, reason: str = "", ip: str = "") -> None:
    """Set or clear the urgent flag, with the reason: a worker's correction is training data (core.training)."""
    if bool(req.urgent) == urgent:
        raise ActionError("nothing_to_change")
    if not reason or not reason.strip():
        raise ActionError("urgent_reason")
    reason = _text(reason, 500, N_("reason"))
    old = req.urgent
    req.urgent = urgent
    deadlines.apply(session, req)  # an urgent request has two hours to be answered
    _event(session, req, user, EventType.urgent_changed, old, urgent, reason)
    audit(session, user, "request.urgent", "request", req.id, ip=ip, to=urgent, reason=reason)


def extend_deadline(session: Session, user: StaffUser, req: ServiceRequest, which: str, until: str, reason: str,
                    ip: str = "") -> None:
    """Move the response or resolution deadline later, with the reason on record."""
    if which not in ("respond", "resolve"):
        raise ActionError("unknown_deadline")
    if not reason or not reason.strip():
        raise ActionError("extend_reason")
    reason = _text(reason, 500, N_("reason"))
    try:
        new = parse_local(until)
    except ValueError as exc:
        raise ActionError("bad_deadline") from exc
    column = f"{which}_by"
    old = getattr(req, column)
    if old is not None and new <= old:
        raise ActionError("not_later", deadline=format_local(old))
    setattr(req, column, new)
    if req.resolve_by is not None and req.respond_by is not None and req.resolve_by < req.respond_by:
        req.resolve_by = req.respond_by
    kind = EventType.response_extended if which == "respond" else EventType.resolution_extended
    _event(session, req, user, kind, old.isoformat() if old else None, new.isoformat(), reason)
    audit(session, user, "request.deadline", "request", req.id, ip=ip, deadline=which,
          **{"from": old.isoformat() if old else None, "to": new.isoformat()}, reason=reason)


def mark_duplicate(session: Session, user: StaffUser, req: ServiceRequest, ticket: str, ip: str = "") -> None:
    """This ticket is the same issue as another: it follows that one (status, replies) and counts once
    in the demand figures. An empty ticket undoes the mark."""
    ticket = (ticket or "").strip().upper()
    if not ticket:
        if req.duplicate_of_id is None:
            raise ActionError("nothing_to_change")
        old = req.duplicate_of_id
        req.duplicate_of_id = None
        _event(session, req, user, EventType.duplicate_marked, old, None)
        audit(session, user, "request.duplicate", "request", req.id, ip=ip, **{"from": old, "to": None})
        return
    survivor = session.exec(select(ServiceRequest).where(ServiceRequest.ticket == ticket)).first()
    if survivor is None or not can_read(session, user, survivor):
        raise ActionError("no_ticket", ticket=ticket)
    for _ in range(10):  # mark against the ticket that is worked, never against another duplicate
        if survivor.duplicate_of_id is None:
            break
        parent = session.get(ServiceRequest, survivor.duplicate_of_id)
        assert parent is not None, "duplicate_of_id is a foreign key"
        survivor = parent
    if survivor.id == req.id:
        raise ActionError("duplicate_of_itself")
    if req.duplicate_of_id == survivor.id:
        raise ActionError("already_duplicate")
    for follower in notify.followers(session, req)[1:]:  # this ticket's own duplicates move along
        follower.duplicate_of_id = survivor.id
        session.add(follower)
    old_status = req.status
    req.duplicate_of_id = survivor.id
    req.status, req.resolved_at = survivor.status, survivor.resolved_at
    _event(session, req, user, EventType.duplicate_marked, None, survivor.ticket)
    _event(session, survivor, user, EventType.duplicate_marked, req.ticket, survivor.ticket)
    audit(session, user, "request.duplicate", "request", req.id, ip=ip, to=survivor.id, ticket=survivor.ticket)
    notify.duplicate(session, req)
    if old_status != req.status:
        told = notify.status_changed(session, req, staff_id=user.id)
        _calls_made(session, user, told, req)


def record_call(session: Session, user: StaffUser, task: CallTask, outcome: str, score: str = "", note: str = "",
                ip: str = "") -> None:
    """The result of a call: reached (a follow-up call's answer is the rating) or not reached; after
    CALL_ATTEMPTS unanswered calls the task closes as unreachable."""
    req = session.get(ServiceRequest, task.request_id)
    assert req is not None, "a call task's request_id is a foreign key"
    if task.done_at is not None:
        raise ActionError("call_done")
    if outcome not in ("reached", "unreachable"):
        raise ActionError("bad_outcome")
    note = _text(note, 500, N_("note")) if note and note.strip() else ""
    rating = None
    if outcome == "reached" and task.purpose == "followup" and score:
        if not score.isdigit() or not 1 <= int(score) <= 5:
            raise ActionError("bad_score")
        rating = int(score)
    task.attempts += 1
    if outcome == "reached" or task.attempts >= CALL_ATTEMPTS:
        task.done_at, task.done_by_id, task.outcome = utcnow(), user.id, outcome
    task.note = "\n".join(n for n in (task.note, note) if n)
    session.add(task)
    if outcome == "reached":
        _responded(req)
    _event(session, req, user, EventType.call_made, task.purpose, outcome, note)
    audit(session, user, "request.call", "request", req.id, ip=ip, purpose=task.purpose, outcome=outcome,
          score=rating)
    if rating is not None:
        try:
            record_rating(session, req, rating, note, channel=Channel.phone)  # commits
        except RatingError as exc:
            raise ActionError("bad_score") from exc

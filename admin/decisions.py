"""What staff decide in a purchase round: the ranked proposal and the amounts decided.

Each command validates its form fields, writes in one transaction (with an audit row) and returns
how many lines it changed, or raises ValueError with a message for the page.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session, col, delete, select

from admin import plan
from core.audit import audit
from core.db import row_id
from core.models import PurchaseRound, RoundItem, StaffUser, utcnow


def yuan(raw: str, what: str) -> int:
    """An amount typed in yuan, as cents."""
    try:
        value = round(float(raw.replace(",", "").strip()) * 100)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"{what}: {raw!r} is not an amount in yuan") from exc
    if value < 0:
        raise ValueError(f"{what} cannot be negative")
    return value


def propose(session: Session, user: StaffUser, rnd: PurchaseRound, fields: Mapping, ip: str = "",
            months: int = 12) -> int:
    """Rank candidate services from demand with the weights given and split the budget; decisions
    already recorded for a category are kept."""
    weights = plan.parse_weights({k: str(v) for k, v in fields.items()})
    months = int(fields.get("months") or months)
    top = int(fields.get("top") or 6)
    if not (3 <= months <= 36 and 1 <= top <= 16):
        raise ValueError("months must be 3–36 and the number of services 1–16")
    candidates = plan.score(plan.gather(session, user, rnd, months=months), weights)
    plan.split_budget(candidates, rnd.budget_cents, top=top)
    kept = {i.category_code: i for i in session.exec(select(RoundItem).where(RoundItem.round_id == rnd.id))}
    session.exec(delete(RoundItem).where(col(RoundItem.round_id) == rnd.id))
    for c in candidates:
        old = kept.get(c.category_code)
        session.add(RoundItem(round_id=row_id(rnd), category_code=c.category_code, place_id=rnd.place_id,
                              score=round(c.score, 4), evidence=c.evidence(weights, months, top),
                              proposed_cents=c.proposed_cents,
                              decided_cents=old.decided_cents if old else None,
                              decision_reason=old.decision_reason if old else "",
                              decided_by_id=old.decided_by_id if old else None,
                              decided_at=old.decided_at if old else None))
    audit(session, user, "round.propose", "round", rnd.id, ip=ip, weights=weights, months=months,
          top=top, candidates=len(candidates))
    session.commit()
    return len(candidates)


def decide(session: Session, user: StaffUser, rnd: PurchaseRound, fields: Mapping, ip: str = "") -> int:
    """Record the amount decided per line (a reason where it differs from the proposal) and the
    round's decision note; the total may not exceed the budget."""
    items = {i.id: i for i in session.exec(select(RoundItem).where(RoundItem.round_id == rnd.id))}
    changes = []
    for item in items.values():
        raw = str(fields.get(f"decided_{item.id}", "")).strip()
        reason = str(fields.get(f"reason_{item.id}", "")).strip()[:500]
        if raw == "":
            continue
        cents = yuan(raw, item.category_code)
        if cents != item.proposed_cents and not reason:
            raise ValueError(f"{item.category_code}: say why the amount differs from the proposal")
        if cents != item.decided_cents or reason != item.decision_reason:
            changes.append((item, cents, reason))
    changed = {item.id for item, _, _ in changes}
    total = sum(i.decided_cents or 0 for i in items.values() if i.id not in changed) + sum(c for _, c, _ in changes)
    if total > rnd.budget_cents:
        raise ValueError(f"decided {total / 100:,.0f} yuan exceeds the budget of {rnd.budget_cents / 100:,.0f}")
    for item, cents, reason in changes:
        audit(session, user, "round.decide", "round_item", item.id, ip=ip, category=item.category_code,
              proposed=item.proposed_cents, before=item.decided_cents, decided=cents, reason=reason)
        item.decided_cents, item.decision_reason = cents, reason
        item.decided_by_id, item.decided_at = user.id, utcnow()
        session.add(item)
    note = str(fields.get("decision_note", "")).strip()[:2000]
    if note != rnd.decision_note:
        rnd.decision_note = note
        session.add(rnd)
        audit(session, user, "round.note", "round", rnd.id, ip=ip, note=note)
    session.commit()
    return len(changes)

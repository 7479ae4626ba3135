"""Evaluation scorecards of service projects: resident satisfaction, target completion, worker assessment.

overall (0–100) = 100 × Σ weight × part / Σ weight over the parts that have data, where
satisfaction = (mean rating − 1) / 4, targets = mean over targets of min(1, achieved / target) from the
latest assessment, assessment = (mean worker score − 1) / 4.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.localtime import sql_month
from core.models import ProjectAssessment, Rating, ServiceProject
from core.redact import redact

WEIGHTS = {"satisfaction": 0.4, "targets": 0.3, "assessment": 0.3}


@dataclass
class Scorecard:
    project: ServiceProject
    rating_mean: float | None
    ratings: int
    targets: dict[str, tuple[float | None, float | None]]  # name → (target, achieved); None: not a number
    assessment_mean: float | None
    assessments: int
    parts: dict[str, float] = field(default_factory=dict)

    @property
    def overall(self) -> float | None:
        present = self.parts
        total = sum(WEIGHTS[k] for k in present)
        return round(100 * sum(WEIGHTS[k] * v for k, v in present.items()) / total, 1) if total else None


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def scorecard(session: Session, project: ServiceProject) -> Scorecard:
    mean, n = session.exec(select(func.avg(col(Rating.score)), func.count()).where(Rating.project_id == project.id)).one()
    a_mean, a_n = session.exec(select(func.avg(col(ProjectAssessment.score)), func.count())
                               .where(ProjectAssessment.project_id == project.id)).one()
    latest = session.exec(select(ProjectAssessment).where(ProjectAssessment.project_id == project.id)
                          .order_by(col(ProjectAssessment.created_at).desc(), col(ProjectAssessment.id).desc())).first()
    achieved = latest.achieved if latest else {}
    targets = {name: (_number(goal), _number(achieved.get(name))) for name, goal in (project.targets or {}).items()}
    card = Scorecard(project, None if mean is None else float(mean), n, targets,
                     None if a_mean is None else float(a_mean), a_n)
    if card.rating_mean is not None:
        card.parts["satisfaction"] = (card.rating_mean - 1) / 4
    done = [min(1.0, got / goal) for goal, got in targets.values() if goal and got is not None]
    if done:
        card.parts["targets"] = sum(done) / len(done)
    if card.assessment_mean is not None:
        card.parts["assessment"] = (card.assessment_mean - 1) / 4
    return card


def satisfaction_by_month(session: Session, project_id: int) -> list[tuple[str, float, int]]:
    month = _rating_month(session)
    rows = session.exec(select(month, func.avg(col(Rating.score)), func.count()).where(Rating.project_id == project_id)
                        .group_by(month).order_by(month)).all()
    return [(m if isinstance(m, str) else m.strftime("%Y-%m"), float(avg), n) for m, avg, n in rows]


def _rating_month(session: Session):
    return sql_month(col(Rating.created_at), session.get_bind().dialect.name)  # the street's months


def comments(session: Session, project_id: int, limit: int = 50) -> list[tuple[Rating, str]]:
    """Residents' comments with personal data (phone and ID numbers, rooms, emails) redacted."""
    rows = session.exec(select(Rating).where(Rating.project_id == project_id, Rating.comment != "")
                        .order_by(col(Rating.created_at).desc()).limit(limit)).all()
    return [(r, redact(r.comment)) for r in rows]

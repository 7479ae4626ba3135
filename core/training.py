"""Which staff actions become training data for the classifier.

A worker's category correction and a worker's change of the urgent flag (with its reason) both say
what the model should have answered; nlp.dataset.corrections trains on the requests these events
name, with their labels as they stand now.
"""

from __future__ import annotations

from sqlmodel import and_, col, or_, select

from core.models import EventType, RequestEvent

CORRECTION_EVENTS = (EventType.category_corrected, EventType.urgent_changed)
# the category a records file gave (admin/records_import.py): a worker's decision made before the import
IMPORTED_EVENTS = (EventType.category_imported,)


def corrected_requests():
    """The ids of requests a worker corrected, or whose category an imported file gave, as a subquery."""
    return select(RequestEvent.request_id).where(or_(
        and_(col(RequestEvent.type).in_(CORRECTION_EVENTS), col(RequestEvent.actor_id).is_not(None)),
        col(RequestEvent.type).in_(IMPORTED_EVENTS)))

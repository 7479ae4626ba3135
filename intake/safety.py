"""Whether a request is a danger to life or limb now: the only case in which a resident is told that
the on-duty worker has been alerted.

The model's urgent flag alone is not enough (it also marks an overflowing bin as urgent now and
then); an explicit danger phrase (nlp.urgency) must name the hazard too. Every urgent request still
reaches the on-duty staff and comes first in the inbox.
"""

from __future__ import annotations

from core.models import ServiceRequest
from nlp.urgency import danger_phrase


def life_safety(request: ServiceRequest) -> bool:
    return bool(request.urgent) and danger_phrase(request.text)

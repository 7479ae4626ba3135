"""Demand clusters for workers: hot issues ranked by heat, one cluster's requests, merge and split."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, col, select

from core.audit import audit
from core.deps import SessionDep, client_ip, require
from core.models import Cluster, Place, Role, ServiceRequest, StaffUser
from core.permissions import community_scope
from core.security import csrf_protect
from core.taxonomy import category_names
from core.templating import language, render

router = APIRouter(tags=["admin"])
Staff = Annotated[StaffUser, require(Role.admin, Role.worker)]
LIST_LIMIT = 100


def _visible(session: Session, user: StaffUser, cluster_id: int) -> Cluster:
    """The cluster if the user's communities include its place; 404 otherwise (no hint it exists)."""
    cluster = session.get(Cluster, cluster_id)
    scope = community_scope(session, user)
    if cluster is None or (scope is not None and cluster.place_id not in scope):
        raise HTTPException(status_code=404, detail="no such cluster")
    return cluster


def _names(session: Session, lang: str) -> tuple[dict, dict]:
    cats = category_names(session, lang)
    places = {p.id: p.name for p in session.exec(select(Place))}
    return cats, places


@router.get("/admin/clusters")
def clusters_page(request: Request, session: SessionDep, user: Staff):
    """Open clusters in the user's communities, hottest first (heat index: docs/nlp.md)."""
    from nlp.heat import rank

    hot = rank(session, limit=LIST_LIMIT, scope=community_scope(session, user))
    clusters = {c.id: c for c in session.exec(select(Cluster).where(col(Cluster.id).in_([h.cluster_id for h in hot])))}
    cats, places = _names(session, language(request))
    return render(request, "admin/clusters.html", user=user, hot=hot, clusters=clusters, cats=cats, places=places)


@router.get("/admin/clusters/{cluster_id}")
def cluster_page(request: Request, cluster_id: int, session: SessionDep, user: Staff):
    """One cluster: its requests (to split off) and the other open clusters of its place (to merge into)."""
    return _detail(request, session, user, _visible(session, user, cluster_id))


def _detail(request: Request, session: Session, user: StaffUser, cluster: Cluster, error: str | None = None,
            status_code: int = 200):
    members = session.exec(select(ServiceRequest).where(ServiceRequest.cluster_id == cluster.id)
                           .order_by(col(ServiceRequest.created_at).desc(), col(ServiceRequest.id).desc()).limit(500)).all()
    others = session.exec(select(Cluster).where(Cluster.is_open, col(Cluster.merged_into_id).is_(None),
                                                Cluster.id != cluster.id, Cluster.place_id == cluster.place_id)
                          .order_by(col(Cluster.updated_at).desc()).limit(200)).all()
    cats, places = _names(session, language(request))
    return render(request, "admin/clusters_detail.html", user=user, cluster=cluster, members=members,
                  others=others, cats=cats, places=places, error=error, status_code=status_code)


@router.post("/admin/clusters/{cluster_id}/merge", dependencies=[Depends(csrf_protect)])
def merge_cluster(request: Request, cluster_id: int, session: SessionDep, user: Staff,
                  target_id: Annotated[int, Form()]):
    """Move all requests of this cluster into another cluster of the same place."""
    from nlp.cluster import merge

    source = _visible(session, user, cluster_id)
    target = _visible(session, user, target_id)
    if source.place_id != target.place_id or target.merged_into_id is not None:
        raise HTTPException(status_code=400, detail="merge only into an open cluster of the same place")
    try:
        moved = merge(session, source, target, actor_id=user.id)
    except ValueError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    audit(session, user, "cluster_merge", "cluster", source.id, ip=client_ip(request), into=target.id, requests=moved)
    session.commit()
    return RedirectResponse(f"/admin/clusters/{target.id}", status_code=303)


@router.post("/admin/clusters/{cluster_id}/split", dependencies=[Depends(csrf_protect)])
def split_cluster(request: Request, cluster_id: int, session: SessionDep, user: Staff,
                  request_ids: Annotated[list[int] | None, Form()] = None):
    """Move the chosen requests into a new cluster."""
    from nlp.cluster import split

    source = _visible(session, user, cluster_id)
    try:
        new = split(session, source, request_ids or [], actor_id=user.id)
    except ValueError as exc:
        return _detail(request, session, user, source, error=str(exc), status_code=400)
    audit(session, user, "cluster_split", "cluster", source.id, ip=client_ip(request), new=new.id,
          requests=sorted(request_ids or []))
    session.commit()
    return RedirectResponse(f"/admin/clusters/{new.id}", status_code=303)

"""The dashboard for one viewer: whose figures they may see, computed or taken from the cache.

Moderators and admins see the whole community. A staff expert sees their own figures: the
questions of the range they answered (their time to their first answer on each, how often
theirs was the first answer, how often it was accepted), their answers per day, and the
unanswered questions in their topics. Community-wide sections (deflection, FAQ, who answers,
top contributors) are for moderators and admins.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from forum import clock, permissions
from forum.dashboard import figures, params
from forum.dashboard.cache import TTLCache
from forum.dashboard.params import Filters
from forum.errors import PermissionDenied
from forum.experts.service import response_hours
from forum.models import User

CACHE_KEY = "dashboard_cache"


@dataclass(frozen=True)
class Dashboard:
    """Every figure of the dashboard for one scope, range and tag, as of `computed_at`."""

    filters: Filters
    scope: figures.Scope
    expert_name: str | None
    target_hours: float
    computed_at: datetime
    response: figures.Response
    backlog: figures.Backlog
    volume: list[figures.Day]
    # community scope only (None for an expert)
    similar: figures.SimilarDeflection | None
    search: figures.SearchDeflection | None
    faq: figures.FaqFigures | None
    who_answers: dict[str, int] | None
    contributors: list[figures.Contributor] | None

    @property
    def is_community(self) -> bool:
        """Figures of the whole community, not of one expert."""
        return self.scope.expert_id is None


def scope_for(viewer: User | None) -> figures.Scope:
    """Moderators and admins see everything; an expert, their own figures; others nothing."""
    if not permissions.can_view_dashboard(viewer):
        raise PermissionDenied("The dashboard is for staff experts, moderators and admins.")
    if permissions.can_moderate(viewer):
        return figures.Scope()
    return figures.Scope(expert_id=viewer.id)


def read_filters(args: Mapping[str, str]) -> Filters:
    """The range and tag of a request's parameters (a 400 for ones that cannot be read)."""
    return params.parse(args, clock.utcnow().date(), current_app.config.get("DASHBOARD_MAX_DAYS", 366))


def compute(
    filters: Filters, scope: figures.Scope, target_hours: float, now: datetime, expert_name: str | None = None
) -> Dashboard:
    """Run every aggregate (about eight statements, whatever the number of posts)."""
    community = scope.expert_id is None
    return Dashboard(
        filters=filters,
        scope=scope,
        expert_name=expert_name,
        target_hours=target_hours,
        computed_at=now,
        response=figures.response(filters, scope, target_hours, now),
        backlog=figures.backlog(filters, scope, target_hours, now),
        volume=figures.volume(filters, scope),
        similar=figures.similar_deflection(filters, now) if community else None,
        search=figures.search_deflection(filters, now) if community else None,
        faq=figures.faq_figures(filters) if community else None,
        who_answers=figures.who_answers(filters) if community else None,
        contributors=figures.top_contributors(filters) if community else None,
    )


def _cache() -> TTLCache:
    return current_app.extensions.setdefault(CACHE_KEY, TTLCache())


def dashboard(viewer: User | None, filters: Filters) -> Dashboard:
    """The viewer's dashboard, at most DASHBOARD_CACHE_SECONDS old (0: always computed afresh)."""
    scope = scope_for(viewer)
    target = response_hours()
    expert_name = None if scope.expert_id is None else viewer.username
    key = (scope, filters, target)
    seconds = float(current_app.config.get("DASHBOARD_CACHE_SECONDS", 60))
    result = _cache().get_or_compute(
        key, seconds, lambda: compute(filters, scope, target, clock.utcnow(), expert_name)
    )
    # the notes (what was corrected) belong to this request, not to the one that filled the cache
    return dataclasses.replace(result, filters=filters)


def for_request(viewer: User | None, args: Mapping[str, str]) -> Dashboard:
    """The viewer's dashboard for a request's parameters; who may look is checked first."""
    scope_for(viewer)
    return dashboard(viewer, read_filters(args))


def clear_cache() -> None:
    """Forget cached figures (tests, and after bulk imports)."""
    _cache().clear()

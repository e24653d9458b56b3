"""The dashboard page and its CSV files."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user, login_required

from forum.dashboard import export, service, tables
from forum.dashboard.params import BadParameter

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@login_required
def index():
    """The figures for the chosen range and tag; unreadable parameters show the form with the error."""
    service.scope_for(current_user)  # staff only, before the parameters are read
    try:
        filters = service.read_filters(request.args)
    except BadParameter as error:
        return render_template("dashboard/index.html", error=error, args=request.args), 400
    dashboard = service.dashboard(current_user, filters)
    return render_template(
        "dashboard/index.html",
        dashboard=dashboard,
        filters=filters,
        tables=tables.build(dashboard),
        volume_chart=tables.volume_chart(dashboard),
        response_chart=tables.response_chart(dashboard),
        args=request.args,
    )


@bp.get("/dashboard/<name>.csv")
@login_required
def table_csv(name: str):
    """One table of the dashboard as CSV, for the same parameters."""
    dashboard = service.for_request(current_user, request.args)
    filters = dashboard.filters
    if name not in tables.names(dashboard):
        abort(404, f"The dashboard has no table named '{name[:40]}'.")
    table = tables.BUILDERS[name](dashboard)
    filename = f"dashboard-{name}-{filters.first_day.isoformat()}-{filters.last_day.isoformat()}"
    if filters.tag:
        filename += f"-{filters.tag}"
    return Response(
        export.csv_text(table),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


@bp.app_template_filter("duration")
def duration(seconds: int | None) -> str:
    """Seconds for people: '45 min', '5.5 h', '3.2 days'."""
    return tables.duration_text(seconds)


@bp.app_template_filter("percent")
def percent(rate: float | None) -> str:
    """0.756 -> '75.6%'; an em dash for no rate."""
    return "—" if rate is None else f"{rate * 100:.1f}%"

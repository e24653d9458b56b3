"""Domain errors raised by services, and the one place that turns errors into responses."""

from __future__ import annotations

from flask import Flask, Response, jsonify, make_response, render_template, request
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from forum.extensions import db

FRIENDLY_MESSAGES = {
    404: "There is nothing here. The page may have moved, or the post may have been deleted.",
    405: "That action is not available at this address.",
    413: "That is more than we accept in one request; please shorten it.",
    429: "Too many requests; wait a little and try again.",
    503: "The forum is briefly unavailable; please try again in a minute.",
}
# seconds a client is asked to wait when the database cannot be reached
DATABASE_RETRY_AFTER = 30


class DomainError(Exception):
    """A rule of the forum refused the action; `status` is the HTTP code at the edge."""

    status = 422

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotFound(DomainError):
    """The thing does not exist, or the actor may not know that it does."""

    status = 404


class PermissionDenied(DomainError):
    """The actor may not do this."""

    status = 403


class RuleViolation(DomainError):
    """The input or the thread's state breaks a rule; the message says which."""

    status = 422


def wants_json() -> bool:
    """API requests get JSON errors; pages get HTML."""
    return request.path.startswith("/api/")


def error_response(
    status: int, message: str, fields: dict | None = None, extra: dict | None = None
) -> Response:
    """Render an error as JSON for the API or as a page for people; `extra` adds JSON keys."""
    if wants_json():
        body = jsonify(error=message, fields=fields or {}, **(extra or {}))
    else:
        template = f"errors/{status}.html" if status in (403, 404, 500) else "errors/generic.html"
        body = render_template(template, status=status, message=message)
    return make_response(body, status)


def register_error_handlers(app: Flask) -> None:
    """Map domain errors and HTTP errors to pages or JSON; nothing escapes as a bare 500."""

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        response = error_response(error.status, error.message, error.fields, getattr(error, "extra", None))
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        # werkzeug's stock texts speak of "the server"; ours speak of the forum
        message = error.description or error.name
        if message == type(error).description:
            message = FRIENDLY_MESSAGES.get(error.code, message)
        response = error_response(error.code or 500, message)
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def handle_database_unavailable(error: Exception):
        # the database is down, unreachable or locked: a friendly 503; the pool replaces the
        # broken connections once it is back (forum/database.py)
        _discard_session()
        # one line, not a traceback: the statement and its parameters stay out of the log
        reason = getattr(error, "orig", None) or type(error).__name__
        app.logger.error("Database unavailable on %s %s: %s", request.method, request.path, reason)
        if wants_json():
            response = error_response(503, FRIENDLY_MESSAGES[503])
        else:
            # not render_template: its context processors load the signed-in member from the database
            page = app.jinja_env.get_template("errors/503.html").render(message=FRIENDLY_MESSAGES[503])
            response = make_response(page, 503)
        response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
        return response

    @app.errorhandler(DBAPIError)
    def handle_database_error(error: DBAPIError):
        if error.connection_invalidated:
            return handle_database_unavailable(error)
        return handle_unexpected(error)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500, "Something went wrong on our side; it has been logged.")


def _discard_session() -> None:
    """Roll the request's session back, whatever state the lost connection left it in."""
    try:
        db.session.rollback()
    except DBAPIError:
        db.session.invalidate()

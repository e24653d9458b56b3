"""A customer-service Q&A community."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from forum import config, database, permissions
from forum.config import ROOT
from forum.extensions import CookieSessions, csrf, db, limiter, login_manager, migrate


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the forum; tests pass a mapping of settings that win over the environment."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=config.instance_path(),
        instance_relative_config=False,
    )
    app.session_interface = CookieSessions()
    app.config.update(config.from_env())
    app.config.update(overrides or {})
    proxies = app.config["PROXY_COUNT"]
    if proxies:
        # rate limits per address, the session's identity check and Secure cookies need the
        # client's own address and scheme, not the proxy's
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies)

    for extension in (db, csrf, login_manager, limiter):
        extension.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    with app.app_context():
        for engine in db.engines.values():
            database.configure(engine)
    _configure_login()
    _register_blueprints(app)
    _register_request_handling(app)
    _register_template_helpers(app)

    from forum.search import init_search

    init_search(app)

    from forum.notifications import init_notifications

    init_notifications(app)

    from forum.faq.tracking import init_tracking

    init_tracking(app)

    from forum.caching import init_caching

    init_caching(app)

    from forum.cli import register_cli

    register_cli(app)
    return app


def _configure_login() -> None:
    """Flask-Login: where to send anonymous visitors, and how to load the session's user."""
    from forum.auth.service import load_session_user

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_session_user)


def _register_blueprints(app: Flask) -> None:
    """One blueprint per feature."""
    from forum.admin.api import bp as admin_api
    from forum.admin.views import bp as admin
    from forum.api.views import bp as api
    from forum.auth.views import bp as auth
    from forum.dashboard.views import bp as dashboard
    from forum.experts.views import bp as experts
    from forum.faq.api import bp as faq_api
    from forum.faq.views import bp as faq
    from forum.followups.api import bp as followups_api
    from forum.followups.views import bp as followups
    from forum.moderation.api import bp as moderation_api
    from forum.moderation.views import bp as moderation
    from forum.notifications.views import bp as notifications
    from forum.questions.views import bp as questions
    from forum.search.api import bp as search_api
    from forum.search.views import bp as search
    from forum.suggestions.api import bp as suggestions_api
    from forum.suggestions.views import bp as suggestions
    from forum.users.views import bp as users
    from forum.votes.views import bp as votes

    pages = (
        auth,
        questions,
        search,
        users,
        votes,
        experts,
        dashboard,
        notifications,
        suggestions,
        followups,
        moderation,
        admin,
        faq,
    )
    # the JSON API: bearer tokens, never cookies, so no CSRF token either
    apis = (api, search_api, suggestions_api, followups_api, admin_api, moderation_api, faq_api)
    for blueprint in (*pages, *apis):
        app.register_blueprint(blueprint)
    for blueprint in apis:
        csrf.exempt(blueprint)


def _register_request_handling(app: Flask) -> None:
    """Errors become pages or JSON; unreadable input is refused before any view runs."""
    from forum.errors import register_error_handlers
    from forum.input_guard import register_input_guard
    from forum.moderation.guard import register_suspension_guard
    from forum.routing import register_routing

    register_error_handlers(app)
    register_input_guard(app)
    register_routing(app)
    register_suspension_guard(app)


def _register_template_helpers(app: Flask) -> None:
    """What every template may use: the permission rules and the site's name."""
    from forum.clock import utcnow
    from forum.templating import register_filters

    app.jinja_env.globals.update(can=permissions, site_name=app.config["SITE_NAME"], now=utcnow)
    register_filters(app)

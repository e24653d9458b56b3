"""Extension singletons, created once here and initialised in create_app."""

import flask_sqlalchemy.session
from flask import Flask, current_app, session
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import Engine, MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so migrations can drop and alter them on every database
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base carrying the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Session.info key: the session reads without a transaction (PostgreSQL's autocommit)
READS_WITHOUT_TRANSACTION = "reads_without_transaction"


class Session(flask_sqlalchemy.session.Session):
    """Flask-SQLAlchemy's session; one whose info says READS_WITHOUT_TRANSACTION takes its
    PostgreSQL connection in autocommit, when it first needs one (forum/caching.py)."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        engine = super().get_bind(mapper, clause, bind, **kwargs)
        if not (
            self.info.get(READS_WITHOUT_TRANSACTION)
            and isinstance(engine, Engine)
            and engine.dialect.name == "postgresql"
        ):
            return engine
        # one variant per engine, made once (making one costs more than a kept page's statement);
        # it shares the engine's pool
        variants = current_app.extensions.setdefault("autocommit_engines", {})
        variant = variants.get(engine)
        if variant is None:
            variant = variants[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
        return variant


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, with the signing serializer made once per set of keys
    (Flask makes one for every request; it keeps no state between uses)."""

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = app.extensions.get("session_serializer")
        if kept is None or kept[0] != keys:
            kept = app.extensions["session_serializer"] = (keys, super().get_signing_serializer(app))
        return kept[1]


class Logins(LoginManager):
    """Flask-Login's manager, which checks the session's address and browser only when there
    is a session: it hashed them for every visitor, and then found the session empty."""

    def _session_protection_failed(self) -> bool:
        return bool(session) and super()._session_protection_failed()


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
login_manager = Logins()
csrf = CSRFProtect()
migrate = Migrate()
limiter = Limiter(key_func=get_remote_address)

"""JSON API v1: the same service functions as the pages, with bearer tokens."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

"""Kept pages (for visitors, and question pages for members), conditional GET, fingerprinted static files.

**Pages.** A support forum is mostly read by anonymous visitors, and every anonymous visitor sees
the same page. The question page and the lists (home, tag pages, the tag list) are rendered once
and kept in Flask-Caching's store: in each worker's memory (SimpleCache), or shared by all workers
through Redis when REDIS_URL is set. No page is kept for a visitor with a flash message waiting,
and a page whose rendering made a CSRF token is never kept. The `visitor` cookie is a header,
never in the page, and the question page records its view before any of this
(forum/faq/tracking.py).

**Members' question pages.** A member's question page is kept too, and shared by every member of
the same *profile* who took no part in the thread. The profile is what the page's controls
depend on beyond the thread: the role, suspended or not, and the privileges held
(forum/privileges.py). Taking part is having written a post or comment in the thread, voted on
or flagged one of its posts, followed it, voted to close it, claimed it, nominated it for the
FAQ or a private follow-up on it: the page then shows the member's own state (their votes, the
edit and delete links of their posts, "Following"), so it is rendered live, as is every member
page but the question page. The key statement answers "took part?" too, with EXISTS subqueries.
What is the member's own is filled in for each request, never kept: the page is rendered with a
placeholder for the CSRF token (derived from the secret key, so nobody can write it into a post)
that each request replaces with the member's own token, and the header's account links and the
suspension notice, marked `<!--account-->` and `<!--suspension-->` in base.html, are rendered
afresh. Members' pages get no ETag, and `Cache-Control: private, no-cache`.

**Invalidation.** Keys carry generations (forum/models/caching.py) read from the database on each
request: `q:<id>` for a question page, `lists` for the lists, `all` for every page; a member's
key adds a digest of the profile. Session events note at flush time which threads a change
touches (a post, comment, vote, acceptance, close, pin, FAQ entry, follow-up...) and bump their
generations right after commit, so the next request renders afresh and nothing needs deleting. A
rename or a new role bumps every page. The reputations of the people on a question page go into
its key as a digest: a vote on their posts elsewhere shows at once. A kept question page costs
one statement (the question, its generations, that digest and, for a member, whether they took
part, the header's unread count and the member, whom Flask-Login's loader then finds read). A
visitor's page loads no post, and a worker reads its key at most once in VISITOR_KEY_SECONDS (1)
per question, so a spike on one thread costs no queries; a change reaches visitors up to that much
later (visitors write nothing, so none of them misses a change of their own). A question's
view count is filled into the kept page on each request. Kept pages expire after
PAGE_CACHE_SECONDS (60): relative times ("5 min ago") and the view counts on lists are at most
that old.

**Held member pages.** A worker keeps the last member question pages it served (up to
MEMBER_PAGES_HELD) for MEMBER_PAGE_SECONDS (1), each under its address and the session cookie it
was served to, and gives it again to a request with both, with no query: a member's reload or a
burst of requests costs a lookup. Only a page whose request left the session as it was is held. A
member's every writing request (not GET or HEAD) changes their session (the `writes` count), so
no worker serves them a page from before their own vote, answer or notification read; what
others change (and a session ended from another device, a suspension) reaches them up to that
much later, as changes reach visitors.

**Conditional GET.** An anonymous question page has an ETag naming the kept page and the view
count; a repeat request with it (If-None-Match) gets 304 Not Modified from that one statement
(or none).

**Static files.** `url_for('static', ...)` appends `?v=<content hash>`; a request with the
current hash is answered with a year's `immutable` caching, any other with PAGE_CACHE_SECONDS.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from time import monotonic

from flask import (
    Flask,
    Response,
    current_app,
    g,
    has_app_context,
    render_template,
    request,
    session,
)
from flask_caching import Cache
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import (
    BigInteger,
    Integer,
    Row,
    Select,
    Table,
    bindparam,
    cast,
    event,
    exists,
    func,
    inspect,
    or_,
    select,
    union,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from werkzeug.http import quote_etag

from forum import privileges
from forum.auth.service import session_user_id
from forum.extensions import READS_WITHOUT_TRANSACTION, db
from forum.models import Answer, Comment, Post, Question, Tag, User
from forum.models.caching import CacheGeneration
from forum.models.experts import ExpertClaim
from forum.models.faq import FaqEntry, FaqNomination, FaqSource, PageView, QuestionPopularity, SearchEvent
from forum.models.followups import PrivateFollowup
from forum.models.moderation import AuditEntry, CloseVote, Flag
from forum.models.notifications import Follow, Notification, NotificationSetting
from forum.models.reputation import Vote
from forum.models.search import SearchDocument, SearchOutbox, SimilarEvent
from forum.moderation.guard import SAFE_METHODS
from forum.notifications import service as notifications
from forum.notifications import views as notification_views
from forum.templating import compact

log = logging.getLogger(__name__)

cache = Cache()

STATIC_IMMUTABLE_SECONDS = 365 * 24 * 3600
_TOUCHED = "page_cache_touched"
_RELEASE = "page_cache_release"
_STATIC_HASHES = "page_cache_static_hashes"
_PLACEHOLDER = "page_cache_csrf_placeholder"
_VISITOR_KEYS = "page_cache_visitor_keys"
_MEMBER_KEY = "page_cache_member_key"  # g: (question id, the row of the member's key statement)
_HELD_PAGES = "page_cache_member_pages"  # app: {(address, session cookie): (body, headers, held at)}
_HELD_PAGE = "page_cache_held_page"  # g: the held page this request gets
_WRITES = "writes"  # session: how many writing requests a member's session has made
VISITOR_KEYS_HELD = 10_000
MEMBER_PAGES_HELD = 200
# rows that record activity without changing what any kept page shows
_IGNORED = (
    AuditEntry,
    Notification,
    NotificationSetting,
    PageView,
    QuestionPopularity,
    SearchDocument,
    SearchEvent,
    SearchOutbox,
    SimilarEvent,
)
IDENTITY_FIELDS = ("username", "role")
# the view count in a question page's header, filled in on each request
_VIEWS = re.compile(rb"<!--views-->[^<]*<!--/views-->")
# the parts of a member's kept question page rendered for each request (marked in base.html)
MEMBER_REGIONS = {"account": "_account_nav.html", "suspension": "_suspension_notice.html"}

_generations = CacheGeneration.__table__
_posts = Post.__table__
_comments = Comment.__table__
_users = User.__table__


# What changed: noted at flush time, applied after commit


@dataclass
class Touched:
    """What a transaction changed: threads (by question or by post), FAQ entries, lists, everything."""

    questions: set[int] = field(default_factory=set)
    posts: set[int] = field(default_factory=set)
    entries: set[int] = field(default_factory=set)
    lists: bool = False
    everything: bool = False

    def __bool__(self) -> bool:
        return bool(self.questions or self.posts or self.entries or self.lists or self.everything)


def _changed(obj, names) -> bool:
    attributes = inspect(obj).attrs
    return any(attributes[name].history.has_changes() for name in names)


def note_changes(session: Session, flush_context) -> None:
    """Note which pages this flush changes (after_flush: new, dirty and deleted still say what)."""
    touched: Touched = session.info.setdefault(_TOUCHED, Touched())
    dirty = [obj for obj in session.dirty if session.is_modified(obj)]
    for obj in [*session.new, *session.deleted, *dirty]:
        if isinstance(obj, _IGNORED):
            continue
        if isinstance(obj, User):
            # every page may show the name and role (reputations reach question pages by their key)
            touched.everything |= obj in session.deleted or _changed(obj, IDENTITY_FIELDS)
            touched.lists |= touched.everything or _changed(obj, ("reputation",))
        elif isinstance(obj, Tag):
            touched.lists = True
            touched.everything |= obj in session.deleted or _changed(obj, ("name", "merged_into_id"))
        elif isinstance(obj, Question):
            touched.questions.add(obj.id)
            touched.lists = True
        elif isinstance(obj, Answer):
            touched.questions.update([obj.question_id, *inspect(obj).attrs.question_id.history.deleted])
            touched.lists = True
        elif isinstance(obj, FaqEntry):
            touched.entries.add(obj.id)
            touched.questions.update([obj.question_id, *inspect(obj).attrs.question_id.history.deleted])
        else:  # comments, votes, flags, sources of FAQ entries, follow-ups, claims...
            for name, ids in (("question_id", touched.questions), ("post_id", touched.posts)):
                value = getattr(obj, name, None)
                if isinstance(value, int):
                    ids.add(value)


def forget_changes(session: Session, previous_transaction) -> None:
    """The whole transaction rolled back: nothing it noted happened (a savepoint's rollback keeps them)."""
    if previous_transaction.parent is None:
        session.info.pop(_TOUCHED, None)


def bump_after_commit(session: Session) -> None:
    """Bump the generations of what the committed transaction changed.

    After commit, not at flush: a page rendered meanwhile from the old rows must be kept under the
    old generation. A failure is logged, never raised (the change is saved); kept pages then show
    the old version until they expire.
    """
    if session.in_nested_transaction():  # a savepoint released: the outer transaction goes on
        return
    touched = session.info.pop(_TOUCHED, None)
    if not touched or not has_app_context():
        return
    try:
        bump(touched)
    except Exception:  # noqa: BLE001 - the change is committed; pages expire on their own
        current_app.logger.warning("Page cache generations not bumped.", exc_info=True)


def bump(touched: Touched) -> None:
    """Add one to the generation of every page the change touched (one short transaction)."""
    with db.engine.begin() as connection:
        question_ids = set(touched.questions)
        if touched.posts:
            rows = connection.execute(
                select(_posts.c.id, _posts.c.question_id).where(_posts.c.id.in_(sorted(touched.posts)))
            )
            question_ids.update(question_id or post_id for post_id, question_id in rows)
        if touched.entries:  # an FAQ entry's banner shows on each of its source threads
            question_ids.update(
                connection.scalars(
                    select(FaqSource.question_id).where(FaqSource.entry_id.in_(sorted(touched.entries)))
                )
            )
        names = {f"q:{question_id}" for question_id in question_ids if question_id}
        if touched.lists:
            names.add("lists")
        if touched.everything:
            names.add("all")
        if not names:
            return
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        # sorted: concurrent bumps lock rows in the same order
        upsert = dialect.insert(_generations).on_conflict_do_update(
            index_elements=[_generations.c.name], set_={"value": _generations.c.value + 1}
        )
        connection.execute(upsert, [{"name": name, "value": 1} for name in sorted(names)])


@functools.cache
def _generations_statement(count: int) -> Select:
    """One scalar subquery per name: a plain statement, compiled once (an expanding IN list is
    rewritten for every execution)."""
    return select(
        *(
            select(_generations.c.value).where(_generations.c.name == bindparam(f"name{i}")).scalar_subquery()
            for i in range(count)
        )
    )


def generations(*names: str) -> tuple[int, ...]:
    """The current generations (0 for one never bumped), in the order asked."""
    values = {f"name{i}": name for i, name in enumerate(names)}
    row = db.session.execute(_generations_statement(len(names)), values).one()
    return tuple(value or 0 for value in row)


@functools.cache
def _question_statement(member: bool) -> Select:
    """The post, the thread's generation, every page's generation and the digest of the thread's
    people (for a member, also the member, whether they took part in the thread and their unread
    count), in one statement built once (a kept page's request then costs no SQL compilation)."""
    question_id = bindparam("question_id", type_=Integer)
    columns = [Post, *_key_columns(question_id)]
    if not member:
        return select(*columns).where(Post.id == question_id)
    viewer = bindparam("viewer", type_=Integer)
    columns += [_took_part(question_id, viewer), notifications.unread_column(viewer), User]
    return select(*columns).join_from(Post, User, User.id == viewer).where(Post.id == question_id)


@functools.cache
def _visitor_statement() -> Select:
    """What a visitor's kept page needs: the view count and the key's parts (no post is loaded)."""
    question_id = bindparam("question_id", type_=Integer)
    return select(_posts.c.view_count, *_key_columns(question_id)).where(_posts.c.id == question_id)


def _key_columns(question_id: BindParameter) -> list[ColumnElement]:
    """The thread's generation, every page's generation and the digest of the thread's people.

    The digest is Σ (id + reputation × 1,000,003) over everyone on the page: any reputation change
    moves it (two changes cancelling out exactly wait for the page to expire). Names and roles
    change through the ORM and bump every page instead (note_changes).
    """
    thread_posts = or_(_posts.c.id == question_id, _posts.c.question_id == question_id)
    people = union(
        select(_posts.c.author_id.label("person")).where(thread_posts),
        select(_posts.c.edited_by_id).where(thread_posts),
        select(_comments.c.author_id).where(_comments.c.post_id.in_(select(_posts.c.id).where(thread_posts))),
    ).subquery("people")
    # one primary key lookup per person: a join may read every user (PostgreSQL chose a hash
    # join over a sequential scan of users at 2,000 of them)
    term = (
        select(_users.c.id + cast(_users.c.reputation, BigInteger) * 1_000_003)
        .where(_users.c.id == people.c.person)
        .scalar_subquery()
    )
    digest = select(func.coalesce(func.sum(term), 0)).select_from(people)
    return [
        select(_generations.c.value).where(_generations.c.name == bindparam("own")).scalar_subquery(),
        select(_generations.c.value).where(_generations.c.name == "all").scalar_subquery(),
        digest.scalar_subquery(),
    ]


def _took_part(question_id: BindParameter, viewer: BindParameter) -> ColumnElement[bool]:
    """Whether the viewer took part in the thread: wrote a post or comment in it, voted on or
    flagged one of its posts, follows it, voted to close it, claimed it, nominated it for the FAQ
    or has a private follow-up on it. The page then shows their own state: it is rendered live."""
    thread = _posts.alias("thread")
    in_thread = or_(thread.c.id == question_id, thread.c.question_id == question_id)
    thread_post_ids = select(thread.c.id).where(in_thread)
    votes, flags, follows = Vote.__table__, Flag.__table__, Follow.__table__
    close_votes, claims, nominations = CloseVote.__table__, ExpertClaim.__table__, FaqNomination.__table__
    followups = PrivateFollowup.__table__

    def on_a_thread_post(table: Table) -> ColumnElement[bool]:
        """A row of the viewer's on one of the thread's posts: one probe of the table's unique
        index on user and post for each post. LIMIT keeps PostgreSQL from making it a join, which
        read every vote the viewer ever cast (0.2 ms for 500 of them, against 0.03)."""
        mine = select(table.c.post_id).where(table.c.user_id == viewer, table.c.post_id == thread.c.id)
        probe = mine.limit(1)
        return exists().where(in_thread, probe.scalar_subquery().is_not(None))

    return or_(
        # from the thread's side: the viewer may have written thousands of posts elsewhere
        viewer.in_(select(thread.c.author_id).where(in_thread)),
        viewer.in_(select(_comments.c.author_id).where(_comments.c.post_id.in_(thread_post_ids))),
        on_a_thread_post(votes),
        on_a_thread_post(flags),
        exists().where(follows.c.user_id == viewer, follows.c.question_id == question_id),
        exists().where(close_votes.c.user_id == viewer, close_votes.c.question_id == question_id),
        exists().where(claims.c.expert_id == viewer, claims.c.question_id == question_id),
        exists().where(nominations.c.user_id == viewer, nominations.c.question_id == question_id),
        exists().where(
            followups.c.question_id == question_id,
            or_(followups.c.expert_id == viewer, followups.c.asker_id == viewer),
        ),
    ).label("took_part")


def _before_question_page() -> None:
    """before_request, first: a question page that may be kept.

    A member's key statement runs here, before anything loads the member, and loads the member
    too: Flask-Login's loader (which still checks the login token) finds them in the session.
    """
    if request.endpoint != "questions.show" or not serves_question_page():
        return
    member_id = session_user_id(str(session.get("_user_id", "")))
    if member_id is not None:
        held = _held_member_page()
        if held is not None:
            setattr(g, _HELD_PAGE, held)
            return
        question_id = request.view_args["question_id"]
        setattr(g, _MEMBER_KEY, (question_id, _member_key_row(question_id, member_id)))


def _count_writes() -> None:
    """before_request: a member's writing request changes their session cookie, so no worker
    serves them a page held from before it."""
    if request.method not in SAFE_METHODS and "_user_id" in session:
        session[_WRITES] = session.get(_WRITES, 0) + 1


def _hold_key() -> tuple[str, str | None]:
    return request.path, request.cookies.get(current_app.config["SESSION_COOKIE_NAME"])


def _held_member_page() -> tuple[bytes, list[tuple[str, str]]] | None:
    """The page this worker served to this address and session cookie less than
    MEMBER_PAGE_SECONDS ago, if any."""
    seconds = float(current_app.config.get("MEMBER_PAGE_SECONDS", 0))
    held = current_app.extensions.get(_HELD_PAGES)
    if seconds <= 0 or not held:
        return None
    body, headers, held_at = held.get(_hold_key(), (b"", None, -math.inf))
    return (body, headers) if monotonic() - held_at < seconds else None


def held_page() -> Response | None:
    """The held page a member's question page request gets (see _before_question_page), or None."""
    held = g.pop(_HELD_PAGE, None)
    # a new Headers from the list: the hooks after the view change the response's own
    return None if held is None else current_app.response_class(held[0], headers=held[1])


def hold_member_page(response: Response) -> Response:
    """A member's question page, held for MEMBER_PAGE_SECONDS for the same address and session
    cookie when the request left the session as it was (a new cookie would not find it)."""
    seconds = float(current_app.config.get("MEMBER_PAGE_SECONDS", 0))
    if (
        seconds <= 0
        or request.method != "GET"
        or response.status_code != 200
        or session.modified
        or not current_user.is_authenticated
        or not serves_question_page()
    ):
        return response
    held: dict = current_app.extensions.setdefault(_HELD_PAGES, {})
    now = monotonic()
    if len(held) >= MEMBER_PAGES_HELD:
        for key, (_, _, held_at) in list(held.items()):
            if now - held_at >= seconds:
                held.pop(key, None)
        if len(held) >= MEMBER_PAGES_HELD:
            held.clear()
    held[_hold_key()] = (response.get_data(), response.headers.to_wsgi_list(), now)
    return response


def _page_session() -> scoped_session:
    """The session, which on PostgreSQL reads without a transaction when a question page's first
    statement is a key statement.

    That saves a kept page the BEGIN and ROLLBACK round trips and changes no result: in a READ
    COMMITTED transaction too, each statement sees what was committed when it began. The question
    page writes nothing through the session (its view is counted on a connection of its own).
    Only a page that runs a statement makes a session: a visitor's page whose key this worker
    holds makes none.
    """
    if db.engine.dialect.name == "postgresql":
        current = db.session()
        if not current.in_transaction():
            current.info[READS_WITHOUT_TRANSACTION] = True
    return db.session


def _key_values(question_id: int) -> dict:
    """The parameters of a question page's key statements."""
    return {"question_id": question_id, "own": f"q:{question_id}"}


def _member_key_row(question_id: int, member_id: int) -> Row | None:
    """The member's key statement: the post, the key's parts, took part, unread, the member."""
    values = {**_key_values(question_id), "viewer": member_id}
    return _page_session().execute(_question_statement(True), values).first()


def kept_question(question_id: int) -> tuple[Post | None, tuple[int, int, int] | None]:
    """The post and what a kept question page's key needs of it: the thread's generation, every
    page's generation and the digest of its people's reputations; None instead of these for a
    member who took part in the thread (their page is rendered live).

    One statement reads them all from one snapshot, before anything the page shows is loaded: a
    page rendered afterwards is never older than its key. For a member it also reads the header's
    unread count (one who took no part follows nothing here).
    """
    member = current_user.is_authenticated
    if member:
        read_for, row = g.pop(_MEMBER_KEY, (None, None))
        if read_for != question_id or row is None or row.User is not current_user._get_current_object():
            row = _member_key_row(question_id, current_user.id)
    else:
        row = _page_session().execute(_question_statement(False), _key_values(question_id)).first()
    if row is None:
        return None, None
    post, own, everything, people, *viewer = row
    if member:
        took_part, unread, _ = viewer
        if took_part:
            return post, None
        notification_views.known_summary(unread or 0, question_id, False)
    return post, (own or 0, everything or 0, people)


# Kept pages


# the query parameters a kept list page may have, and its first pages: every other address is
# rendered afresh, so made-up query strings cannot fill the store
LIST_ARGS = frozenset({"sort", "page"})
LIST_PAGES = frozenset(str(number) for number in range(1, 11))


def _plain_get(list_page: bool = False) -> bool:
    """A GET with no flash message waiting and no query string (a list: at most one sort and one
    of the first ten page numbers), with a store to keep pages in."""
    if request.method not in ("GET", "HEAD") or current_app.config.get("CACHE_TYPE") == "NullCache":
        return False
    if list_page:
        args = request.args
        if not set(args) <= LIST_ARGS or any(len(args.getlist(name)) > 1 for name in args):
            return False
        if args.get("page", "1") not in LIST_PAGES:
            return False
    elif request.query_string:
        return False
    return not session.get("_flashes")


def serves_anonymous(list_page: bool = False) -> bool:
    """Whether this request may get a kept list page: a plain anonymous GET."""
    return _plain_get(list_page) and not current_user.is_authenticated


def serves_question_page() -> bool:
    """Whether this request may get a kept question page: a plain GET, anonymous or signed in."""
    return _plain_get()


def _release(app: Flask) -> str:
    """A digest of the templates and static files: a new release never reads another's pages."""
    release = app.extensions.get(_RELEASE)
    if release is None:
        digest = hashlib.sha256()
        for folder in (Path(app.template_folder), Path(app.static_folder)):
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    digest.update(str(path.relative_to(folder)).encode())
                    digest.update(path.read_bytes())
        release = app.extensions[_RELEASE] = digest.hexdigest()[:12]
    return release


def _get(key: str):
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001 - a store that does not answer is a miss
        current_app.logger.warning("Page cache not read.", exc_info=True)
        return None


def _keep(key: str, entry) -> None:
    if current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") in g:
        return  # the page holds this visitor's CSRF token
    try:
        cache.set(key, entry)
    except Exception:  # noqa: BLE001 - a store that does not answer keeps nothing
        current_app.logger.warning("Page cache not written.", exc_info=True)


def _kept(
    key: str, render: Callable[[], str], still_current: Callable[[], bool] = lambda: True
) -> tuple[bytes, float]:
    """(html, rendered at) under the key, rendering the page when it is not there and keeping it
    if `still_current()` says nothing it shows changed meanwhile. Kept encoded: a visitor's page
    goes out as it is, with no decoding from the store and no encoding into the response."""
    entry = _get(key)
    if entry is None:
        entry = (render().encode(), time.time())
        if still_current():
            _keep(key, entry)
    return entry


def _anonymous_response(html: bytes, status: int = 200, etag: str | None = None) -> Response:
    """A visitor's kept page: browsers keep it, and ask again each time (with its ETag, if any)."""
    headers = {"Vary": "Cookie", "Cache-Control": "no-cache"}
    if etag is not None:
        headers["ETag"] = quote_etag(etag)
    return current_app.response_class(html, status, headers)


def _question_key(question_id: int, slug: str | None, key_parts: tuple[int, int, int]) -> str:
    """A kept question page's key: the page's address (so a hit needs no redirect), its parts."""
    own, everything, people = key_parts
    return f"page:q:{question_id}:{own}:{everything}:{people}:{_release(current_app)}:{slug}"


def _views(view_count: int | None) -> bytes:
    return f"<!--views-->{compact(view_count or 0)}<!--/views-->".encode()


def visitor_question_page(question_id: int, slug: str | None) -> Response | None:
    """A visitor's question page when the store holds it (else None: the page is rendered).

    One statement, no post loaded, and none at all for a question whose key this worker read
    less than VISITOR_KEY_SECONDS ago: a page is kept under its key only once the whole view has
    found the question visible to visitors at that address, and any change to the thread (a
    deletion, a new title) moves the key.
    """
    row = _visitor_row(question_id)
    if row is None:
        return None
    view_count, own, everything, people = row
    key = _question_key(question_id, slug, (own or 0, everything or 0, people))
    entry = _get(key)
    return None if entry is None else _visitor_question_response(key, entry, view_count)


def _visitor_row(question_id: int) -> tuple | None:
    """The view count and key parts of a visitor's question page, read at most once in
    VISITOR_KEY_SECONDS by this worker (the last rows read, up to VISITOR_KEYS_HELD questions)."""
    seconds = float(current_app.config.get("VISITOR_KEY_SECONDS", 0))
    held: dict[int, tuple[tuple | None, float]] = current_app.extensions.setdefault(_VISITOR_KEYS, {})
    now = monotonic()
    row, read_at = held.get(question_id, (None, -math.inf))
    if seconds > 0 and now - read_at < seconds:
        return row
    row = _page_session().execute(_visitor_statement(), _key_values(question_id)).first()
    row = None if row is None else tuple(row)
    if seconds > 0:
        if len(held) >= VISITOR_KEYS_HELD:
            held.clear()
        held[question_id] = (row, now)
    return row


def _visitor_question_response(key: str, entry: tuple[bytes, float], view_count: int | None) -> Response:
    """A visitor's kept question page with the view count filled in, or 304 for its ETag."""
    html, rendered_at = entry
    etag = hashlib.sha256(f"{key}:{rendered_at}:{view_count or 0}".encode()).hexdigest()[:32]
    if request.if_none_match.contains_weak(etag):
        return _anonymous_response(b"", 304, etag)
    return _anonymous_response(_VIEWS.sub(_views(view_count), html, count=1), etag=etag)


def question_page(question: Question, key_parts: tuple[int, int, int], render: Callable[[], str]) -> Response:
    """A question page from the store: a visitor's, or one shared by members of the same profile."""
    own, everything, _ = key_parts
    key = _question_key(question.id, question.slug, key_parts)

    def unchanged() -> bool:
        """No change to the thread committed while it was rendered (the rows read may be newer
        than the key: a member's own vote would otherwise be kept for others of their profile)."""
        return generations(f"q:{question.id}", "all") == (own, everything)

    if current_user.is_authenticated:
        profile = _profile(current_user._get_current_object())
        return _member_question_page(f"{key}:{profile}", _views(question.view_count), render, unchanged)
    return _visitor_question_response(key, _kept(key, render, unchanged), question.view_count)


def _profile(user: User) -> str:
    """What the page's controls depend on, beyond the thread: role, suspension, privileges held."""
    held = ",".join(name for name in privileges.thresholds() if privileges.has_privilege(user, name))
    return hashlib.sha256(f"{user.role}:{user.is_suspended}:{held}".encode()).hexdigest()[:16]


def _csrf_placeholder(app: Flask) -> str:
    """What a member's kept page holds for the CSRF token: derived from the secret key, so nobody
    can write it into a post (it would become the reader's token, in a link of theirs)."""
    placeholder = app.extensions.get(_PLACEHOLDER)
    if placeholder is None:
        digest = hashlib.sha256(f"kept page csrf placeholder:{app.secret_key}".encode()).hexdigest()
        placeholder = app.extensions[_PLACEHOLDER] = f"csrf-{digest[:40]}"
    return placeholder


def _with_placeholder(render: Callable[[], str]) -> Callable[[], str]:
    """`render`, with csrf_token() (and every form) giving the placeholder instead of a token."""

    def rendered() -> str:
        field_name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        token = g.pop(field_name, None)  # one made earlier stays, and keeps the page out of the store
        g.setdefault(field_name, _csrf_placeholder(current_app))  # generate_csrf() returns what g holds
        try:
            return render()
        finally:
            g.pop(field_name, None)
            if token is not None:
                g.setdefault(field_name, token)

    return rendered


def _fill(html: bytes, region: str, content: str) -> bytes:
    """Replace what is between the first <!--region--> and <!--/region--> (the header's, before
    any post; user HTML holds no comments anyway)."""
    before, start, rest = html.partition(f"<!--{region}-->".encode())
    _, end, after = rest.partition(f"<!--/{region}-->".encode())
    if not (start and end):  # never serve one member's header to another
        raise LookupError(f"The page has no <!--{region}--> region (base.html).")
    return b"".join((before, start, content.encode(), end, after))


def _member_question_page(
    key: str, views: bytes, render: Callable[[], str], still_current: Callable[[], bool]
) -> Response:
    """A member's question page, kept for their profile; their CSRF token, account links,
    suspension notice and the view count are filled in for each request."""
    page, _ = _kept(key, _with_placeholder(render), still_current)
    # bytes throughout: the page is never decoded, only its small fresh parts encoded
    html = _VIEWS.sub(views, page, count=1)
    html = html.replace(_csrf_placeholder(current_app).encode(), generate_csrf().encode())
    user = current_user._get_current_object()
    for region, template in MEMBER_REGIONS.items():
        # the notice is empty unless suspended (a state the profile holds): no need to render it
        shown = region != "suspension" or user.is_suspended
        html = _fill(html, region, render_template(template) if shown else "")
    return current_app.response_class(html, headers={"Vary": "Cookie", "Cache-Control": "private, no-cache"})


def list_page(render: Callable[[], str]) -> Response:
    """An anonymous visitor's list page (its sort and page number), kept until the lists change."""
    lists, everything = generations("lists", "all")
    address = hashlib.sha256(request.full_path.encode()).hexdigest()[:24]
    key = f"page:list:{request.endpoint}:{lists}:{everything}:{_release(current_app)}:{address}"
    html, _ = _kept(key, render)
    return _anonymous_response(html)


# Static files


def static_hash(filename: str) -> str | None:
    """The first 12 hex digits of a static file's SHA-256, or None when there is no such file."""
    app = current_app._get_current_object()
    hashes = app.extensions.setdefault(_STATIC_HASHES, {})
    if filename in hashes and not app.debug:
        return hashes[filename]
    folder = Path(app.static_folder).resolve()
    path = (folder / filename).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        return None
    hashes[filename] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return hashes[filename]


def _fingerprint(endpoint: str, values: dict) -> None:
    """url_defaults: `url_for('static', filename=...)` names the file's content hash too."""
    if endpoint == "static" and "v" not in values and isinstance(values.get("filename"), str):
        digest = static_hash(values["filename"])
        if digest:
            values["v"] = digest


def _static_headers(response: Response) -> Response:
    """A year for a fingerprinted static file (its name changes with it), minutes for anything else."""
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    filename = (request.view_args or {}).get("filename", "")
    cache_control = response.cache_control
    cache_control.no_cache = None
    cache_control.public = True
    if request.args.get("v") and request.args.get("v") == static_hash(filename):
        cache_control.max_age = STATIC_IMMUTABLE_SECONDS
        cache_control.immutable = True
    else:
        cache_control.max_age = int(current_app.config.get("CACHE_DEFAULT_TIMEOUT") or 60)
    return response


def init_caching(app: Flask) -> None:
    """Start the store, watch the session for changes, and fingerprint static files."""
    cache.init_app(app)
    if not event.contains(db.session, "after_flush", note_changes):
        event.listen(db.session, "after_flush", note_changes)
        event.listen(db.session, "after_commit", bump_after_commit)
        event.listen(db.session, "after_soft_rollback", forget_changes)
    app.url_defaults(_fingerprint)
    # first: before any other hook could begin the session's transaction (loading the member)
    app.before_request_funcs.setdefault(None, []).insert(0, _before_question_page)
    app.before_request(_count_writes)
    app.after_request(_static_headers)

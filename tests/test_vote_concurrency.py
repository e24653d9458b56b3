"""Eight workers casting and changing votes on the same posts at once leave every number exact.

Each worker is a thread with its own application context, so its own session and database
connection, as gunicorn workers have. Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from forum import reputation
from forum.extensions import db
from forum.models import Post, User
from forum.models.reputation import ReputationEvent, Vote
from forum.votes import service as votes
from tests.conftest import make_answer, make_question, make_user

WORKERS = 8
ROUNDS = 30


@pytest.fixture
def everyone_votes(app):
    """A small community: voting needs no reputation, so every worker's vote is accepted."""
    app.config["PRIVILEGES"] = {"vote_up": 1, "vote_down": 1}
    yield
    app.config.pop("PRIVILEGES")


def run_workers(app, voter_ids: list[int], post_ids: list[int]) -> list[BaseException]:
    """Start the workers together; each casts, changes and retracts random votes."""
    start = threading.Barrier(WORKERS)
    failures: list[BaseException] = []

    def work(seed: int) -> None:
        chooser = random.Random(seed)
        with app.app_context():
            start.wait()
            try:
                for _ in range(ROUNDS):
                    # few voters and posts: the same vote row is often fought over
                    voter = db.session.get(User, chooser.choice(voter_ids))
                    votes.vote(voter, chooser.choice(post_ids), chooser.choice((1, 1, -1, 0)))
            except BaseException as error:  # reported by the test, not lost in the thread
                failures.append(error)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return failures


def test_concurrent_votes_keep_scores_ledger_and_reputation_exact(app, runner, everyone_votes):
    asker, helper, expert = make_user("asker"), make_user("helper"), make_user("expert", role="expert")
    voters = [make_user(f"voter{number}") for number in range(10)]
    question = make_question(asker)
    answers = [make_answer(helper, question), make_answer(expert, question), make_answer(helper, question)]
    post_ids = [question.id, *(answer.id for answer in answers)]
    # the authors vote too, on what they did not write (their own posts refuse them)
    voter_ids = [user.id for user in voters]

    failures = run_workers(app, voter_ids, post_ids)
    assert not failures, failures

    db.session.expire_all()
    vote_sums = dict(
        db.session.execute(select(Vote.post_id, func.sum(Vote.value)).group_by(Vote.post_id)).tuples().all()
    )
    scores = dict(db.session.execute(select(Post.id, Post.score).where(Post.id.in_(post_ids))).tuples().all())
    assert scores == {post_id: vote_sums.get(post_id, 0) for post_id in post_ids}
    assert db.session.scalar(select(func.count()).select_from(Vote)) <= len(voter_ids) * len(post_ids)

    # the cached reputation of every user is the ledger's, and the command agrees
    assert reputation.recompute(fix=False) == []
    result = runner.invoke(args=["reputation", "recompute", "--check"])
    assert result.exit_code == 0, result.output
    assert "matches the ledger" in result.output

    # every vote's grants in force are exactly what its current value earns
    for vote in db.session.scalars(select(Vote)):
        granted = Counter(event.kind for event in reputation.active(ReputationEvent.vote_id == vote.id))
        post = db.session.get(Post, vote.post_id)
        expected = Counter(kind for _, kind in reputation._vote_grants(vote, post))
        assert granted == expected, (vote.id, vote.value)
        net = db.session.scalar(
            select(func.coalesce(func.sum(ReputationEvent.delta), 0)).where(
                ReputationEvent.vote_id == vote.id
            )
        )
        in_force = sum(event.delta for event in reputation.active(ReputationEvent.vote_id == vote.id))
        assert net == in_force, vote.id

    # nothing was undone twice, and no author passed the daily cap, however the votes raced
    undone = db.session.scalars(
        select(ReputationEvent.undoes_id).where(ReputationEvent.undoes_id.is_not(None))
    )
    assert len(set(undone.all())) == db.session.scalar(
        select(func.count()).select_from(ReputationEvent).where(ReputationEvent.undoes_id.is_not(None))
    )
    for author in (asker, helper, expert):
        assert reputation.earned_today(author.id) <= reputation.DAILY_VOTE_CAP


def test_concurrent_upvotes_stop_at_the_daily_cap(app, everyone_votes):
    """Thirty voters upvote one author's answers at once: the author earns exactly 200 today."""
    author = make_user("author")
    question = make_question(make_user("asker"))
    answers = [
        make_answer(author, question, f"Answer number {number}, with enough text.") for number in range(3)
    ]
    voters = [make_user(f"voter{number}") for number in range(12)]
    pairs = [(voter.id, answer.id) for voter in voters for answer in answers]  # 36 upvotes, 360 points
    random.Random(5).shuffle(pairs)
    chunks = [pairs[index::WORKERS] for index in range(WORKERS)]
    start = threading.Barrier(WORKERS)
    failures: list[BaseException] = []

    def work(chunk: list[tuple[int, int]]) -> None:
        with app.app_context():
            start.wait()
            try:
                for voter_id, answer_id in chunk:
                    votes.vote(db.session.get(User, voter_id), answer_id, 1)
            except BaseException as error:
                failures.append(error)

    threads = [threading.Thread(target=work, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, failures
    db.session.expire_all()
    assert reputation.earned_today(author.id) == reputation.DAILY_VOTE_CAP
    assert db.session.get(User, author.id).reputation == 1 + reputation.DAILY_VOTE_CAP
    assert (
        sorted(db.session.scalars(select(Post.score).where(Post.id.in_([a.id for a in answers])))) == [12] * 3
    )
    assert reputation.recompute(fix=False) == []

"""bench/seed.py on a small community from the shipped excerpt: counts, cached columns, a page."""

from __future__ import annotations

from sqlalchemy import func, select

from bench import seed as bench_seed
from forum.extensions import db
from forum.models import Answer, Comment, Post, Question, Revision, Tag, User, question_tags
from forum.models.notifications import Follow
from forum.models.reputation import ReputationEvent, Vote
from forum.search import get_backend
from tests.conftest import login

POSTS = 300


def _seed():
    folders = bench_seed.dump_folders(bench_seed.EXCERPT)
    report = bench_seed.seed(POSTS, folders)
    get_backend().rebuild()
    return report


def _count(statement) -> int:
    return db.session.scalar(statement)


def test_seed_writes_a_consistent_community_whose_pages_render(app, client):
    """One seed (it takes a few seconds) checked for counts, cached columns and pages."""
    report = _seed()

    assert report.posts == POSTS
    assert _count(select(func.count()).select_from(Post)) == POSTS
    questions = _count(select(func.count()).select_from(Question))
    assert questions == report.questions == POSTS // 4
    assert _count(select(func.count()).select_from(Revision).where(Revision.number == 1)) == POSTS
    assert _count(select(func.count()).select_from(Comment)) == report.comments > 20
    # Question.answer_count, follower_count and last_activity_at agree with the rows
    answers = select(Answer.question_id, func.count().label("n"), func.max(Answer.created_at).label("last"))
    actual = {row.question_id: row for row in db.session.execute(answers.group_by(Answer.question_id))}
    followers = dict(
        db.session.execute(select(Follow.question_id, func.count()).group_by(Follow.question_id)).all()
    )
    for question in db.session.scalars(select(Question)):
        row = actual.get(question.id)
        assert question.answer_count == (row.n if row else 0)
        assert question.last_activity_at == (row.last if row else question.created_at)
        assert question.follower_count == followers.get(question.id, 0)
        assert (
            question.accepted_answer_id is None
            or db.session.get(Answer, question.accepted_answer_id).question_id == question.id
        )
    # heavy tails: some questions unanswered, some with many answers
    assert min(row.n for row in actual.values()) >= 1 and len(actual) < questions
    assert max(row.n for row in actual.values()) >= 10
    # each score is the sum of its votes; reputation is 1 plus the ledger, never below 1
    scores = dict(db.session.execute(select(Vote.post_id, func.sum(Vote.value)).group_by(Vote.post_id)).all())
    for post_id, score in db.session.execute(select(Post.id, Post.score)):
        assert score == scores.get(post_id, 0)
    ledger = dict(
        db.session.execute(
            select(ReputationEvent.user_id, func.sum(ReputationEvent.delta)).group_by(ReputationEvent.user_id)
        ).all()
    )
    for user_id, reputation in db.session.execute(select(User.id, User.reputation)):
        assert reputation == max(1, 1 + ledger.get(user_id, 0))
    uses = dict(
        db.session.execute(
            select(question_tags.c.tag_id, func.count()).group_by(question_tags.c.tag_id)
        ).all()
    )
    for tag in db.session.scalars(select(Tag)):
        assert tag.question_count == uses.get(tag.id, 0)

    # the page benchmark's question: 10 answers, 20 comments, shown to visitors and members
    question = db.session.get(Question, report.showcase_question_id)
    assert question.answer_count == 10
    post_ids = [question.id, *(answer.id for answer in question.answers)]
    assert _count(select(func.count()).select_from(Comment).where(Comment.post_id.in_(post_ids))) == 20

    page = client.get(f"/questions/{question.id}/{question.slug}")
    assert page.status_code == 200
    assert "10 Answers" in page.get_data(as_text=True)

    login(client, bench_seed.BENCH_USERNAME, bench_seed.BENCH_PASSWORD)
    assert client.get(f"/questions/{question.id}/{question.slug}").status_code == 200
    word = question.title.split()[-1].strip("?")
    assert client.get("/search", query_string={"q": word}).status_code == 200

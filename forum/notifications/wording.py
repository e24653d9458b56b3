"""What a notification says and where on the question page it points: inbox, API and email alike."""

from __future__ import annotations

from forum.models import Post, Question, User


def _name(actor: User | None) -> str:
    return actor.username if actor is not None else "A former member"


def headline(
    kind: str,
    recipient_id: int,
    *,
    question: Question,
    post: Post,
    actor: User | None,
    note: str | None = None,
) -> str:
    """'dana_k answered your question', worded for the recipient (the title comes after it)."""
    who = _name(actor)
    asked = question.author_id == recipient_id
    on_answer = post.type == "answer"
    wrote_post = post.author_id == recipient_id
    the_question = "your question" if asked else "a question you follow"
    if kind == "answer":
        return f"{who} answered {the_question}"
    if kind == "comment":
        if wrote_post:
            return f"{who} commented on your {'answer' if on_answer else 'question'}"
        return f"{who} commented on {'an answer to ' if on_answer else ''}{the_question}"
    if kind == "accepted":
        if wrote_post:
            return f"{who} accepted your answer"
        return f"{who} accepted an answer to {the_question}"
    if kind == "assigned":
        return f"{who} assigned you a question"
    if kind == "flag":
        return f"A moderator reviewed your flag on {'an answer to ' if on_answer else ''}a question: {note}"
    if kind == "warning":
        return f"A moderator warned you about your {'answer' if on_answer else 'question'}: {note}"
    if kind == "suggestion":
        return f"{who} {note} your suggested edit"
    return f"{who} updated {the_question}"


def anchor(post: Post, comment_id: int | None = None) -> str:
    """The question page's anchor for a notification: the comment, the answer, or the question."""
    if comment_id is not None:
        return f"c{comment_id}"
    return f"a{post.id}" if post.type == "answer" else f"q{post.id}"

"""Asking, answering, commenting, editing with revisions, soft delete, lists and tags."""

from datetime import timedelta

from sqlalchemy import select

from forum.extensions import db
from forum.models import Answer, Comment, Question, Revision, Tag
from tests.conftest import grant, login, make_answer, make_question, make_user

BODY = "My Halcyon thermostat shows error E42 after the latest update. What does it mean?"


def ask(client, title="What does error E42 mean on my thermostat?", body=BODY, tags="firmware errors"):
    return client.submit("/questions/ask", {"title": title, "body": body, "tags": tags})


def test_ask_needs_login(client):
    response = client.get("/questions/ask")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_ask_creates_question_with_normalised_tags_and_first_revision(client):
    make_user("ann")
    login(client, "ann")
    response = ask(client, tags="Firmware_Updates  Error-Codes,WIFI")
    assert response.status_code == 302
    question = db.session.scalar(select(Question))
    assert response.headers["Location"].endswith(
        f"/questions/{question.id}/what-does-error-e42-mean-on-my-thermostat"
    )
    assert question.tag_names == ["error-codes", "firmware-updates", "wifi"]
    assert [revision.number for revision in question.revisions] == [1]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "What does error E42 mean" in page and "firmware-updates" in page


def test_ask_validation(client):
    make_user("ann")
    login(client, "ann")
    cases = [
        ({"title": "Too short"}, "Field must be between 15 and 150 characters long."),
        ({"title": "x" * 151}, "Field must be between 15 and 150 characters long."),
        ({"tags": ""}, "Add at least one tag."),
        ({"tags": "a b c d e f"}, "Use at most 5 tags."),
        ({"body": "short"}, "Field must be between 20 and 30000 characters long."),
    ]
    for change, message in cases:
        data = {
            "title": "What does error E42 mean on my thermostat?",
            "body": BODY,
            "tags": "firmware",
            **change,
        }
        response = client.submit("/questions/ask", data)
        assert response.status_code == 400, change
        assert message in response.get_data(as_text=True), change
    assert db.session.scalar(select(Question)) is None


def test_canonical_slug_redirect(client):
    question = make_question(make_user("ann"))
    response = client.get(f"/questions/{question.id}/wrong-slug")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/questions/{question.id}/{question.slug}")
    assert client.get(f"/questions/{question.id}").status_code == 301


def test_answer_and_comment(client):
    ann, bob = make_user("ann"), make_user("bob")
    question = make_question(ann)
    login(client, "bob")
    response = client.submit(
        f"/questions/{question.id}/answers", {"body": "Press and hold the dial for 10 seconds."}
    )
    assert response.status_code == 302
    answer = db.session.scalar(select(Answer))
    assert answer.author_id == bob.id and response.headers["Location"].endswith(f"#a{answer.id}")
    assert db.session.get(Question, question.id).answer_count == 1
    response = client.submit(f"/posts/{answer.id}/comments", {"body": "That worked, thanks! **Great**"})
    assert response.status_code == 302
    comment = db.session.scalar(select(Comment))
    assert comment.body_html == "That worked, thanks! <strong>Great</strong>"
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert "Press and hold the dial" in page and "That worked, thanks!" in page


def test_answer_errors_show_the_page_again(client):
    question = make_question(make_user("ann"))
    make_user("bob")
    login(client, "bob")
    response = client.submit(f"/questions/{question.id}/answers", {"body": "too short"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Field must be between 20 and 30000 characters long." in page and question.title in page
    assert (
        client.submit("/questions/12345/answers", {"body": "A perfectly fine answer body."}).status_code
        == 404
    )


def test_comment_errors(client):
    question = make_question(make_user("ann"))
    make_user("bob")
    login(client, "bob")
    response = client.submit(f"/posts/{question.id}/comments", {"body": "x" * 601})
    assert response.status_code == 422
    assert "Field must be between 2 and 600 characters long." in response.get_data(as_text=True)
    assert client.submit("/posts/999/comments", {"body": "hello there"}).status_code == 404


def test_answers_ordered_accepted_then_score_then_oldest(client):
    ann, bob = make_user("ann"), make_user("bob")
    question = make_question(ann)
    first = make_answer(bob, question, "The first answer, low score but oldest.")
    second = make_answer(bob, question, "The second answer, highest score of all.")
    third = make_answer(bob, question, "The third answer, accepted by the asker.")
    fourth = make_answer(bob, question, "The fourth answer, same score as the first.")
    second.score = 5
    question.accepted_answer_id = third.id
    db.session.commit()
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    positions = [page.index(f'id="a{answer.id}"') for answer in (third, second, first, fourth)]
    assert positions == sorted(positions)


def test_edit_keeps_revisions_and_history_shows_diff(client):
    ann = make_user("ann")
    question = make_question(ann, body="The app shows error E42 when I open it.")
    login(client, "ann")
    assert client.get(f"/posts/{question.id}/edit").status_code == 200
    response = client.submit(
        f"/posts/{question.id}/edit",
        {
            "title": question.title,
            "body": "The app shows error E42 when I open the schedule.",
            "tags": "account password mobile-app",
            "summary": "say where",
        },
    )
    assert response.status_code == 302
    revisions = db.session.scalars(
        select(Revision).where(Revision.post_id == question.id).order_by(Revision.number)
    ).all()
    assert [revision.body for revision in revisions] == [
        "The app shows error E42 when I open it.",
        "The app shows error E42 when I open the schedule.",
    ]
    assert revisions[1].tags == "account mobile-app password" and revisions[1].summary == "say where"
    edited = db.session.get(Question, question.id)
    assert edited.edited_at is not None and edited.tag_names == ["account", "mobile-app", "password"]
    history = client.get(f"/posts/{question.id}/revisions").get_data(as_text=True)
    assert "Revision 2" in history and "Revision 1" in history and "say where" in history
    assert 'class="diff-del">- The app shows error E42 when I open it.' in history
    assert 'class="diff-add">+ The app shows error E42 when I open the schedule.' in history


def test_unchanged_edit_adds_no_revision(client):
    question = make_question(make_user("ann"))
    login(client, "ann")
    client.submit(
        f"/posts/{question.id}/edit",
        {"title": question.title, "body": question.body, "tags": "account password"},
    )
    assert db.session.scalar(select(db.func.count()).select_from(Revision)) == 1


def test_member_edits_of_anothers_post_wait_for_review_a_moderator_edits_directly(app):
    ann = make_user("ann")
    make_user("bob")
    make_user("maya", role="moderator")
    question = make_question(ann)
    answer = make_answer(ann, question)
    bob = app.test_client()
    login(bob, "bob")
    response = bob.submit(f"/posts/{answer.id}/edit", {"body": "Vandalised by somebody else entirely."})
    assert response.status_code == 302
    assert db.session.get(Answer, answer.id).body == "Hold the dial for ten seconds, then follow the app."
    page = bob.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert f'href="/posts/{answer.id}/edit">Suggest edit</a>' in page
    assert f'href="/posts/{answer.id}/edit">Edit</a>' not in page
    maya = app.test_client()
    login(maya, "maya")
    response = maya.submit(f"/posts/{answer.id}/edit", {"body": "Hold the dial for ten seconds (clarified)."})
    assert response.status_code == 302
    assert db.session.get(Answer, answer.id).editor.username == "maya"


def test_delete_and_undelete_by_author(app):
    ann, bob = make_user("ann"), make_user("bob")
    question = make_question(ann)
    answer = make_answer(bob, question, "Reset it from the app's settings page.")
    author, visitor = app.test_client(), app.test_client()
    login(author, "bob")
    url = f"/questions/{question.id}/{question.slug}"
    assert author.submit(f"/posts/{answer.id}/delete").status_code == 302
    assert db.session.get(Answer, answer.id).deleted_at is not None
    assert db.session.get(Question, question.id).answer_count == 0
    assert "Reset it from the app" not in visitor.get(url).get_data(as_text=True)
    assert visitor.get(f"/posts/{answer.id}").status_code == 404
    page = author.get(url).get_data(as_text=True)
    assert "Reset it from the app" in page and "This post was deleted" in page
    assert author.submit(f"/posts/{answer.id}/undelete").status_code == 302
    assert "Reset it from the app" in visitor.get(url).get_data(as_text=True)
    assert db.session.get(Question, question.id).answer_count == 1


def test_deleted_question_hidden_from_public_kept_for_moderators(app):
    ann = make_user("ann")
    make_user("bob")
    make_user("maya", role="moderator")
    question = make_question(ann)
    author = app.test_client()
    login(author, "ann")
    author.submit(f"/posts/{question.id}/delete")
    url = f"/questions/{question.id}/{question.slug}"
    public, bob, maya = app.test_client(), app.test_client(), app.test_client()
    login(bob, "bob")
    login(maya, "maya")
    assert public.get(url).status_code == 404
    assert bob.get(url).status_code == 404
    assert question.title not in public.get("/").get_data(as_text=True)
    assert db.session.get(Tag, question.tags[0].id).question_count == 0
    assert maya.get(url).status_code == 200
    # a member cannot undelete what a moderator or someone else deleted; the moderator can
    assert bob.submit(f"/posts/{question.id}/undelete").status_code == 404
    assert maya.submit(f"/posts/{question.id}/undelete").status_code == 302
    assert public.get(url).status_code == 200


def test_author_cannot_undelete_what_a_moderator_deleted(app):
    ann = make_user("ann")
    make_user("maya", role="moderator")
    question = make_question(ann)
    maya, author = app.test_client(), app.test_client()
    login(maya, "maya")
    login(author, "ann")
    assert maya.submit(f"/posts/{question.id}/delete").status_code == 302
    assert author.submit(f"/posts/{question.id}/undelete").status_code == 403


def test_member_cannot_delete_anothers_post(app):
    question = make_question(make_user("ann"))
    make_user("bob")
    bob = app.test_client()
    login(bob, "bob")
    assert bob.submit(f"/posts/{question.id}/delete").status_code == 403
    assert db.session.get(Question, question.id).deleted_at is None


def test_comment_delete_is_soft(app):
    ann, bob = make_user("ann"), make_user("bob")
    question = make_question(ann)
    from forum.questions import service

    grant(bob, 50)
    comment = service.comment(bob, question.id, "Which model do you have?")
    other, owner = app.test_client(), app.test_client()
    login(owner, "bob")
    login(other, "ann")
    assert other.submit(f"/comments/{comment.id}/delete").status_code == 403
    assert owner.submit(f"/comments/{comment.id}/delete").status_code == 302
    assert db.session.get(Comment, comment.id).deleted_at is not None
    assert "Which model do you have?" not in app.test_client().get(
        f"/questions/{question.id}/{question.slug}"
    ).get_data(as_text=True)


def test_lists_sorts_tags_and_pagination(app, client):
    ann, bob = make_user("ann"), make_user("bob")
    questions = [
        make_question(ann, title=f"Question number {index:02d} about billing", tags="billing")
        for index in range(25)
    ]
    make_question(ann, title="How do I pair the thermostat with wifi?", tags="wifi")
    answered = questions[3]
    make_answer(bob, answered, "An answer that makes this question answered.")
    for index, question in enumerate(questions):
        question.created_at -= timedelta(minutes=100 - index)
    questions[7].score = 9
    db.session.commit()

    newest = client.get("/?sort=newest").get_data(as_text=True)
    assert newest.index("How do I pair the thermostat") < newest.index("Question number 24")
    assert "26 questions" in newest
    assert client.get("/?sort=votes").get_data(as_text=True).index("Question number 07") < client.get(
        "/?sort=votes"
    ).get_data(as_text=True).index("Question number 24")
    active = client.get("/?sort=active").get_data(as_text=True)
    assert active.index("Question number 03") < active.index("How do I pair")
    unanswered = client.get("/?sort=unanswered&per_page=50").get_data(as_text=True)
    assert "Question number 03" not in unanswered and "25 questions" in unanswered
    tagged = client.get("/questions/tagged/wifi").get_data(as_text=True)
    assert "How do I pair" in tagged and "Question number" not in tagged
    assert client.get("/questions/tagged/no-such-tag").status_code == 404
    page_two = client.get("/?sort=newest&page=2").get_data(as_text=True)
    assert "Question number 05" in page_two and "Question number 24" not in page_two
    assert client.get("/?page=99").status_code == 200
    tags = client.get("/tags").get_data(as_text=True)
    assert tags.index("billing") < tags.index("wifi")


def test_title_search(client):
    ann = make_user("ann")
    make_question(ann, title="Why was I charged twice in May?", tags="billing")
    make_question(ann, title="How do I pair the thermostat with wifi?", tags="wifi")
    page = client.get("/search?q=charged+twice").get_data(as_text=True)
    assert "Why was I charged twice" in page and "pair the thermostat" not in page
    page = client.get("/search?q=100%25_off").get_data(as_text=True)
    assert "0 results" in page


def test_markup_is_rendered_once_and_sanitised(client):
    make_user("ann")
    login(client, "ann")
    body = (
        "Steps:\n\n1. Open **Settings**\n2. <script>alert(1)</script>[Help](javascript:alert(2))"
        "\n\n```\ncode <b>\n```"
    )
    ask(client, body=body)
    question = db.session.scalar(select(Question))
    assert "<strong>Settings</strong>" in question.body_html
    assert "<script" not in question.body_html and "javascript:" not in question.body_html
    assert "code &lt;b&gt;" in question.body_html
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page

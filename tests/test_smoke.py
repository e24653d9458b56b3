from tests.conftest import login, make_answer, make_question, make_user


def test_home_and_question_page(client, app):
    ann = make_user("ann")
    bob = make_user("bob")
    question = make_question(ann)
    make_answer(bob, question)
    assert client.get("/").status_code == 200
    response = client.get(f"/questions/{question.id}/{question.slug}")
    assert response.status_code == 200
    assert "Hold the dial" in response.get_data(as_text=True)
    login(client, "bob")
    assert client.get("/questions/ask").status_code == 200

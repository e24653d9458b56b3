"""The search language: one parser for every engine, and it never fails."""

import random

import pytest

from forum.search.query import MAX_QUERY_LENGTH, MAX_TERMS, ScoreFilter, parse_query, replace_words


def test_words_phrases_and_exclusions():
    query = parse_query('Thermostat  "Factory Reset" -battery -"dead screen" wifi')
    assert query.words == ("thermostat", "wifi")
    assert query.phrases == ("factory reset",)
    assert query.excluded_words == ("battery",)
    assert query.excluded_phrases == ("dead screen",)
    assert query.has_text and not query.has_filters and not query.notices


def test_filters():
    query = parse_query(
        "[Billing Issues] tag:wifi user:Ann is:answered has:accepted is:faq score:>=3 score:<10"
    )
    assert query.tags == ("billing-issues", "wifi")
    assert query.user == "ann"
    assert (query.is_answered, query.has_accepted, query.is_faq) == (True, True, True)
    assert query.scores == (ScoreFilter(">=", 3), ScoreFilter("<", 10))
    assert not query.has_text and query.has_filters
    assert parse_query("is:unanswered").is_answered is False


@pytest.mark.parametrize(
    ("operator", "passes", "fails"),
    [(">=", 3, 2), (">", 4, 3), ("<=", 3, 4), ("<", 2, 3), ("=", 3, 4)],
)
def test_score_operators(operator, passes, fails):
    (score,) = parse_query(f"score:{operator}3").scores
    assert score.accepts(passes) and not score.accepts(fails)


def test_bare_score_means_at_least():
    assert parse_query("score:5").scores == (ScoreFilter(">=", 5),)


@pytest.mark.parametrize(
    ("text", "notice"),
    [
        ('"unbalanced quote', "quotation mark was not closed"),
        ("score:>=abc", "score: needs a whole number"),
        ("score:", "needs a value"),
        ("tag:", "needs a value"),
        ("is:everything", "not a filter we know"),
        ("-is:answered", "not supported"),
        ("[!!!]", "not a tag name"),
    ],
)
def test_malformed_parts_become_notices(text, notice):
    query = parse_query(text)
    assert any(notice in message for message in query.notices), query.notices


def test_unbalanced_quote_still_searches_its_words():
    assert parse_query('"factory reset').words == ("factory", "reset")


@pytest.mark.parametrize(
    "text", ["-", '"', '""', "[", "]", "[]", ":", "tag:[", "- - -", "''", "score:>=", "   "]
)
def test_lone_operators_are_ignored(text):
    query = parse_query(text)
    assert not query.has_text


def test_long_queries_are_cut():
    query = parse_query("thermostat " * 2000)
    assert len(query.text) <= MAX_QUERY_LENGTH
    assert query.words == ("thermostat",)
    assert any("cut to its first" in message for message in query.notices)


def test_terms_are_capped():
    query = parse_query(" ".join(f"word{index}" for index in range(100)))
    assert len(query.words) == MAX_TERMS
    assert any(f"first {MAX_TERMS} words" in message for message in query.notices)


def test_junk_never_raises():
    generator = random.Random(4)
    alphabet = (
        "\"'[]-:<>=!@#$%^&*()\\/ \t\n\u00e9\u2603\u0301\u200b\U0001f600\ufffd\ue000\uffff" + "abcXYZ019"
    )
    for _ in range(300):
        text = "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 400)))
        parse_query(text)
    parse_query("x" * 10_000)
    parse_query('"' * 10_000)
    parse_query("[" * 5000 + "]" * 5000)


def test_unicode_words():
    query = parse_query("Thermostat café naïve Größe 東京 😀")
    assert query.words == ("thermostat", "café", "naïve", "größe", "東京")


def test_replace_words_keeps_operators():
    assert replace_words('thermostt "wifi" -batery', {"thermostt": "thermostat", "batery": "battery"}) == (
        'thermostat "wifi" -battery'
    )

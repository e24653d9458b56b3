"""User Markdown becomes safe HTML, and pathological Markdown is refused rather than slow."""

from __future__ import annotations

import html
import re
import sys
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from pygments.token import STANDARD_TYPES

from forum import markup
from tests.conftest import login, make_user
from tests.xss_payloads import PAYLOADS

# Written out here rather than read from forum.markup, so the tests check the module's lists.
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "p": set(), "br": set(), "hr": set(), "blockquote": set(), "pre": set(), "code": set(),
    "h1": set(), "h2": set(), "h3": set(), "h4": set(), "h5": set(), "h6": set(),
    "ul": set(), "ol": {"start"}, "li": set(),
    "table": set(), "thead": set(), "tbody": set(), "tr": set(), "th": {"align"}, "td": {"align"},
    "div": {"class"}, "span": {"class"},
    "a": {"href", "title", "rel"}, "img": {"src", "alt", "title", "width", "height"},
    "em": set(), "strong": set(), "del": set(), "sub": set(), "sup": set(), "kbd": set(),
}
INLINE_ELEMENTS = {"a", "img", "em", "strong", "code", "del", "sub", "sup", "kbd"}
FORBIDDEN_ELEMENTS = {
    "script", "style", "iframe", "object", "embed", "form", "meta", "base", "svg", "math",
    "link", "frame", "frameset", "applet", "button", "input", "textarea", "template", "noscript",
    "title", "xmp", "plaintext", "isindex", "portal", "video", "audio", "source", "param",
    "marquee", "details", "html", "head", "body",
}
SAFE_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"
HIGHLIGHT_CLASSES = {name for name in STANDARD_TYPES.values() if name}
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):", re.IGNORECASE)


class _Elements(HTMLParser):
    """Collect every start tag of a fragment as (tag, attributes)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, attrs))


def elements(fragment: str) -> list[tuple[str, dict[str, str]]]:
    """The start tags of an HTML fragment, parsed as Python's html.parser sees them."""
    parser = _Elements()
    parser.feed(fragment)
    parser.close()
    return [(tag, {name: value or "" for name, value in attrs}) for tag, attrs in parser.elements]


def url_scheme(value: str) -> str | None:
    """The scheme a browser would see: entities decoded, white space and controls removed."""
    text = html.unescape(value)
    text = "".join(char for char in text if ord(char) > 0x20 and char != "\x7f" and not char.isspace())
    match = _SCHEME.match(text)
    return match.group(1).lower() if match else None


def problems(fragment: str, *, inline_only: bool = False) -> list[str]:
    """Everything unsafe in rendered HTML; an empty list means it is safe to show."""
    found = []
    lowered = fragment.lower()
    for tag in FORBIDDEN_ELEMENTS:
        if f"<{tag}" in lowered:
            found.append(f"raw <{tag} in the output")
    allowed_tags = INLINE_ELEMENTS if inline_only else set(ALLOWED_ATTRIBUTES)
    for tag, attributes in elements(fragment):
        if tag in FORBIDDEN_ELEMENTS or tag not in allowed_tags:
            found.append(f"element <{tag}>")
        for name, value in attributes.items():
            if name.startswith("on"):
                found.append(f"event handler {name}={value!r} on <{tag}>")
            elif name == "style":
                found.append(f"style attribute on <{tag}>")
            elif name not in ALLOWED_ATTRIBUTES.get(tag, set()):
                found.append(f"attribute {name}={value!r} on <{tag}>")
            if name in ("href", "src", "xlink:href", "action", "formaction", "data", "srcset"):
                scheme = url_scheme(value)
                if scheme is not None and scheme not in SAFE_SCHEMES:
                    found.append(f"{name}={value!r} on <{tag}> has scheme {scheme}")
        if tag == "img" and "src" in attributes and not attributes["src"].lower().startswith(
            ("http://", "https://")
        ):
            found.append(f"img src={attributes['src']!r} is not an absolute http(s) URL")
        if tag == "a" and attributes.get("rel") != LINK_REL:
            found.append(f"<a> with rel={attributes.get('rel')!r}")
        if tag == "div" and attributes.get("class", "highlight") != "highlight":
            found.append(f"div class={attributes['class']!r}")
        if tag == "span" and not set(attributes.get("class", "").split()) <= HIGHLIGHT_CLASSES:
            found.append(f"span class={attributes['class']!r}")
    return found


@pytest.mark.parametrize("source", [source for _, source in PAYLOADS], ids=[name for name, _ in PAYLOADS])
def test_payload_is_neutralised_in_posts(source):
    assert problems(markup.render(source)) == []


@pytest.mark.parametrize("source", [source for _, source in PAYLOADS], ids=[name for name, _ in PAYLOADS])
def test_payload_is_neutralised_in_comments(source):
    assert problems(markup.render_comment(source), inline_only=True) == []


def test_corpus_is_large_and_named_uniquely():
    names = [name for name, _ in PAYLOADS]
    assert len(names) >= 60
    assert len(set(names)) == len(names)


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ('<a href="javascript:alert(1)" rel="nofollow ugc noopener">x</a>', "scheme javascript"),
        ('<a href="jav&#x09;ascript:alert(1)" rel="nofollow ugc noopener">x</a>', "scheme javascript"),
        ('<a href=" &#x01;JavaScript&colon;alert(1)" rel="nofollow ugc noopener">x</a>', "scheme javascript"),
        ('<a href="https://example.com">x</a>', "rel=None"),
        ('<img src="/a.png">', "not an absolute"),
        ('<img src="data:image/png;base64,AAAA">', "scheme data"),
        ("<p onclick=alert(1)>x</p>", "event handler"),
        ('<p style="color:red">x</p>', "style attribute"),
        ("<svg><circle/></svg>", "element <svg>"),
        ('<span class="evil">x</span>', "span class"),
        ("<iframe></iframe>", "raw <iframe"),
    ],
)
def test_checker_catches_what_it_should(fragment, expected):
    """The safety checker itself: each unsafe fragment is reported."""
    assert any(expected in problem for problem in problems(fragment)), problems(fragment)


# What must survive sanitising


def test_fenced_code_with_language_keeps_highlight_classes():
    html_out = markup.render("```python\ndef greet(name):\n    return 'hi ' + name  # say hi\n```")
    tags = elements(html_out)
    assert ("div", {"class": "highlight"}) in tags
    classes = {attributes.get("class") for tag, attributes in tags if tag == "span"}
    assert {"k", "nf", "s1", "c1"} <= classes
    assert '<span class="k">def</span>' in html_out
    assert '<span class="nf">greet</span>' in html_out
    assert problems(html_out) == []


@pytest.mark.parametrize("language", sorted(markup.HIGHLIGHT_LANGUAGES))
def test_every_listed_language_highlights(language):
    html_out = markup.render(f"```{language}\nif (x) {{ return 1; }} // note\n```")
    assert html_out.startswith('<div class="highlight"><pre>')
    assert "return 1;" in html.unescape(re.sub(r"<[^>]+>", "", html_out))
    assert problems(html_out) == []


def test_unknown_language_and_fence_options_give_plain_code():
    html_out = markup.render('```{.klingon hl_lines="1" linenums=true style=monokai}\nqapla <b>\n```')
    assert html_out == '<div class="highlight"><pre><span></span><code>qapla &lt;b&gt;\n</code></pre></div>'


@pytest.mark.parametrize("source", ["``` is how a code block starts", "~~~ tildes too", "text\n\n```python"])
def test_a_fence_with_nothing_after_it_is_text(source):
    """Otherwise a one-line comment that starts with ``` would lose its words."""
    for html_out in (markup.render(source), markup.render_comment(source)):
        assert source.split()[-1] in html_out
        assert "<pre>" not in html_out


def test_an_unclosed_fence_runs_to_the_end():
    html_out = markup.render("Try this:\n\n```\n[x](javascript:alert(1))\n<b>")
    assert html_out == (
        "<p>Try this:</p>\n"
        '<div class="highlight"><pre><span></span><code>'
        "[x](javascript:alert(1))\n&lt;b&gt;\n</code></pre></div>"
    )


def test_code_keeps_html_as_text():
    html_out = markup.render("Run `<b>x</b>` and:\n\n    <i>y</i>\n\n```\n<script>z</script>\n```")
    assert "&lt;b&gt;x&lt;/b&gt;" in html_out
    assert "&lt;i&gt;y&lt;/i&gt;" in html_out
    assert "&lt;script&gt;z&lt;/script&gt;" in html_out
    assert problems(html_out) == []


def test_highlighting_stops_at_its_time_budget_and_keeps_all_the_code(monkeypatch):
    monkeypatch.setattr(markup, "HIGHLIGHT_SECONDS", 0)
    code = "def f(x):\n    return [x * 2 for x in range(10)]\n"
    html_out = markup.render(f"```python\n{code}```")
    text = html.unescape(re.sub(r"<[^>]+>", "", html_out))
    assert text == code


def test_tables_keep_alignment():
    html_out = markup.render("| Plan | Price |\n|:-----|------:|\n| Basic | $5 |\n| Pro | $9 |")
    tags = elements(html_out)
    assert [tag for tag, _ in tags].count("tr") == 3
    assert ("th", {"align": "left"}) in tags
    assert ("td", {"align": "right"}) in tags
    assert problems(html_out) == []


def test_lists_nest_and_keep_start():
    html_out = markup.render("3. three\n4. four\n\n- a\n    - b\n        - c")
    tags = elements(html_out)
    assert ("ol", {"start": "3"}) in tags
    assert [tag for tag, _ in tags].count("ul") == 3
    assert [tag for tag, _ in tags].count("li") == 5
    assert problems(html_out) == []


def test_links_keep_href_and_get_rel():
    html_out = markup.render(
        '[help](https://example.com/help "Help") [mail](mailto:support@example.com) '
        "[here](/questions/1) <https://example.com/auto>"
    )
    links = [attributes for tag, attributes in elements(html_out) if tag == "a"]
    assert [link["href"] for link in links] == [
        "https://example.com/help",
        "mailto:support@example.com",
        "/questions/1",
        "https://example.com/auto",
    ]
    assert all(link["rel"] == LINK_REL for link in links)
    assert links[0]["title"] == "Help"


def test_images_only_from_absolute_http_urls():
    html_out = markup.render(
        "![https](https://example.com/a.png) ![http](http://example.com/b.png) "
        "![relative](/static/c.png) ![scheme-relative](//example.com/d.png)"
    )
    images = [attributes for tag, attributes in elements(html_out) if tag == "img"]
    assert [image.get("src") for image in images] == [
        "https://example.com/a.png",
        "http://example.com/b.png",
        None,
        None,
    ]
    assert [image["alt"] for image in images] == ["https", "http", "relative", "scheme-relative"]


def test_comment_is_inline_only():
    html_out = markup.render_comment("**bold** `code` [link](https://example.com)\n\n# heading\n- item")
    assert [tag for tag, _ in elements(html_out)] == ["strong", "code", "a"]
    assert "heading" in html_out and "item" in html_out


def test_inline_html_from_the_allow_list_survives():
    html_out = markup.render(
        "Press <kbd>Ctrl</kbd>+<kbd>C</kbd>, H<sub>2</sub>O, x<sup>2</sup> <del>old</del>"
    )
    assert [tag for tag, _ in elements(html_out)] == ["p", "kbd", "kbd", "sub", "sup", "del"]


# Markup bombs: each renders or is refused with MarkupError; none recurses without bound.


def _nested_list(depth: int, indent: str = "    ") -> str:
    return "".join(f"{indent * level}- level {level}\n" for level in range(depth))


BOMBS: list[tuple[str, str]] = [
    ("dash-list-markers", "- " * 2000 + "x"),
    ("numbered-list-markers", "1. " * 2000 + "x"),
    ("open-brackets", "[" * 2000),
    ("open-links", "[a](" * 2000),
    ("quote-markers", "> " * 5000),
    ("quote-markers-without-spaces", ">" * 5000 + " x"),
    ("emphasis-soup", "*_" * 15000),
    ("emphasis-words", ("*_" * 50 + "x ") * 290),
    ("nested-list-4-spaces", _nested_list(200)),
    ("nested-list-2-spaces", _nested_list(500, "  ")),
    ("nested-list-tabs", _nested_list(300, "\t")),
    ("nested-numbered-3-spaces", "".join("   " * level + "1. x\n" for level in range(300))),
    ("nested-quotes-in-lists", "".join("    " * level + "- > x\n" for level in range(100))),
    ("quotes-deepening", "".join(">" * level + " q\n" for level in range(1, 300))),
    ("unclosed-tags", "<a " * 10000),
    ("unclosed-tags-no-space", "<a" * 15000),
    ("unclosed-autolinks", "<http://" * 3750),
    ("unclosed-attribute-quotes", '<a title="' * 3000),
    ("unclosed-comments", "<!--" * 7500),
    ("unclosed-cdata", "<![CDATA[" * 100 + "x" * 29000),
    ("few-brackets-long-tail", "[" * 100 + "x" * 29900),
    ("links-with-unclosed-parens", "[a](" * 300 + "(" * 28000),
    ("links-with-unclosed-titles", '[a](b "' * 100 + "x)" * 14000),
    ("setext-headings-in-one-block", "a\n=\n" * 7500),
    ("rules-in-one-block", "- - -\n" * 5000),
    ("atx-headings-in-one-block", "a\n# h\n" * 5000),
    ("headings-inside-list-item", "- x\n\n" + "    # h\n" * 3700),
    ("fence-lines", "```\n" * 7500),
    ("fence-lines-with-language", "```x\n" * 7500),
    ("many-small-code-blocks", "```python\nx = 1\n```\n" * 1500),
    ("mixed-fences", "```\n" + "[" * 5000 + "\n~~~\n"),
    ("indented-fence", " ```\n" + "[" * 5000 + "\n ```\n"),
    ("python-lexer-bomb", "```python\n" + " \n" * 14990 + "```"),
    ("csharp-lexer-bomb", "```csharp\n" + "a\n" * 14990 + "```"),
    ("typescript-lexer-bomb", "```ts\n" + "a." * 14990 + "\n```"),
    ("console-lexer-bomb", "```console\n" + "x:" * 14000 + "\n```"),
    ("ini-lexer-bomb", "```ini\n" + "::" * 14000 + "\n```"),
    ("indented-code-language-header", "    :::csharp\n" + "    a\n" * 4000),
    ("many-paragraphs", "a\n\n" * 15000),
    ("long-table", "|a|b|\n|-|-|\n" + "|x|y|\n" * 5000),
    ("wide-table", "|" + "a|" * 7000 + "\n|" + "-|" * 7000 + "\n"),
    ("long-list", "- a\n" * 7500),
    ("code-spans", "`a` " * 7500),
    ("escapes", "\\* " * 10000),
    ("entities", "&#x41; " * 4000),
    ("too-long", "a" * (markup.MAX_LENGTH + 1)),
]
REFUSED_UP_FRONT = {
    "dash-list-markers", "numbered-list-markers", "open-brackets", "open-links", "quote-markers",
    "quote-markers-without-spaces", "nested-list-4-spaces", "nested-list-2-spaces",
    "nested-list-tabs", "nested-numbered-3-spaces", "nested-quotes-in-lists", "quotes-deepening",
    "unclosed-cdata", "few-brackets-long-tail", "links-with-unclosed-parens",
    "links-with-unclosed-titles", "setext-headings-in-one-block", "rules-in-one-block",
    "atx-headings-in-one-block", "headings-inside-list-item", "too-long",
}


@pytest.mark.parametrize("render", [markup.render, markup.render_comment], ids=["post", "comment"])
@pytest.mark.parametrize("source", [source for _, source in BOMBS], ids=[name for name, _ in BOMBS])
def test_bomb_renders_or_is_refused(source, render):
    try:
        html_out = render(source)
    except markup.MarkupError as error:
        assert str(error)  # a message for the author
    else:
        assert isinstance(html_out, str)
        assert problems(html_out, inline_only=render is markup.render_comment) == []


@pytest.mark.parametrize("name", sorted(REFUSED_UP_FRONT))
def test_check_refuses_bomb_before_rendering(name):
    """The form validator calls check(): these never reach Markdown at all."""
    with pytest.raises(markup.MarkupError):
        markup.check(dict(BOMBS)[name])


@pytest.mark.parametrize("source", [source for _, source in BOMBS], ids=[name for name, _ in BOMBS])
def test_render_refuses_only_what_check_refuses(source):
    """Forms validate with check(); render() must not refuse what check() let through."""
    try:
        markup.check(source)
    except markup.MarkupError:
        return
    markup.render(source)


def _with_stack_depth(frames: int, function, *args):
    """Call function with about `frames` frames already on the stack, like a deep request."""
    if frames <= 0:
        return function(*args)
    return _with_stack_depth(frames - 1, function, *args)


def test_deepest_allowed_nesting_renders_even_on_a_deep_stack():
    depth = markup.MAX_NESTING
    source = _nested_list(depth)
    frames = sys.getrecursionlimit() // 2
    html_out = _with_stack_depth(frames, markup.render, source)
    assert [tag for tag, _ in elements(html_out)].count("ul") == depth
    with pytest.raises(markup.MarkupError):
        markup.check(_nested_list(depth + 1))


@pytest.mark.parametrize(
    "source",
    [
        "```\n" + "[" * 1000 + "\n```",
        "~~~~\n" + "- " * 1000 + "\n~~~~",
        "```\n" + "[" * 1000 + "\n~~~\n[]",
        "Links: " + " ".join(f"[doc {number}](https://example.com/{number})" for number in range(250)),
        "\n".join(f'- [doc {n}](https://example.com/{n} "title {n}")' for n in range(250)),
        "\n\n".join(f"## Part {number}\n\nText.\n\n---" for number in range(200)),
    ],
    ids=["brackets-in-code", "markers-in-code", "unclosed-fence-runs-to-end", "many-links",
         "many-titled-links-in-list", "many-sections"],
)
def test_ordinary_large_posts_are_not_refused(source):
    markup.check(source)
    assert problems(markup.render(source)) == []


# Through the pages: whatever members post shows only as sanitised HTML or escaped text


PAGE_FORBIDDEN_ELEMENTS = {
    "iframe", "object", "embed", "base", "svg", "math", "frame", "frameset", "applet", "style",
}


def page_problems(page: str) -> list[str]:
    """Anything on a whole page that could run code; the site's own forms and scripts pass."""
    found = []
    for tag, attributes in elements(page):
        if tag in PAGE_FORBIDDEN_ELEMENTS:
            found.append(f"element <{tag}>")
        if tag == "script" and not attributes.get("src", "").startswith("/static/"):
            found.append(f"script {attributes}")
        if tag == "meta" and "http-equiv" in attributes:
            found.append(f"meta {attributes}")
        for name, value in attributes.items():
            if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                found.append(f"{name}={value!r} on <{tag}>")
            if name in ("href", "src", "action", "xlink:href"):
                scheme = url_scheme(value)
                if scheme is not None and scheme not in SAFE_SCHEMES:
                    found.append(f"{name}={value!r} on <{tag}>")
    return found


def _at_least(text: str, length: int) -> str:
    """The text, padded to pass a minimum length."""
    return text if len(text.strip()) >= length else f"{text} {'x' * length}"


@pytest.mark.parametrize(
    "source",
    [source for _, source in PAYLOADS if "\x00" not in source],
    ids=[name for name, source in PAYLOADS if "\x00" not in source],
)
def test_payload_posted_through_the_forms_is_harmless_on_the_pages(app, client, source):
    make_user("ann")
    login(client, "ann")
    title = _at_least(source[:140], 15)[:150]
    response = client.submit(
        "/questions/ask", {"title": title, "body": _at_least(source, 20), "tags": "xss"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    question_id = int(re.search(r"/questions/(\d+)", response.headers["Location"]).group(1))
    response = client.submit(f"/questions/{question_id}/answers", {"body": _at_least(source, 20)})
    assert response.status_code == 302
    response = client.submit(f"/posts/{question_id}/comments", {"body": _at_least(source[:590], 2)})
    assert response.status_code == 302
    response = client.submit(
        f"/posts/{question_id}/edit",
        {"title": title, "body": _at_least(source, 20) + " (edited)", "tags": "xss", "summary": source[:290]},
    )
    assert response.status_code == 302
    for url in (
        f"/questions/{question_id}",
        "/",
        "/questions/tagged/xss",
        f"/posts/{question_id}/revisions",
        "/search?q=" + quote(source[:100]),
    ):
        page = client.get(url, follow_redirects=True)
        assert page.status_code == 200, url
        assert page_problems(page.get_data(as_text=True)) == [], url


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ('<a href="javascript:alert(1)">x</a>', "href="),
        ("<div onclick=alert(1)></div>", "onclick"),
        ("<script>alert(1)</script>", "script"),
        ('<script src="/static/forum.js"></script><form action="/logout"></form>', None),
    ],
)
def test_page_checker_catches_what_it_should(page, expected):
    found = page_problems(page)
    assert (expected is None and found == []) or any(expected in problem for problem in found), found

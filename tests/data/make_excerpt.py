"""Build the small Stack Exchange excerpt the tests import, from the full dumps.

    .venv/bin/python tests/data/make_excerpt.py [--source ../shared/data]

For each site it keeps every question of a duplicate pair whose both ends are in the dump (the
relevance benchmark needs them all), the questions of duplicate links whose other end was
deleted (so the importer's skipping is tested on real rows), a few questions that exercise
edge cases (closed, unanswered, written by a deleted account), then evenly spaced short
questions up to the target; with them their accepted and best answers (MAX_ANSWERS), their
first comments (MAX_COMMENTS), votes, links, tags and users. Personal profile fields the
forum does not import (AboutMe, Location, WebsiteUrl, ProfileImageUrl) and votes other than
up, down and accepted are left out to keep the excerpt small. The output is deterministic.
"""

from __future__ import annotations

import argparse
import xml.etree.ElementTree as ElementTree
from pathlib import Path

HERE = Path(__file__).resolve().parent
SITES = {"beer": 100, "quantumcomputing": 50}  # folder -> questions to keep
MAX_ANSWERS, MAX_COMMENTS = 2, 3  # per question, per post
VOTE_TYPES = {"1", "2", "3"}  # accepted, up, down; not bookmarks, close or spam votes
DROPPED_USER_FIELDS = {"AboutMe", "Location", "WebsiteUrl", "ProfileImageUrl"}
ROOTS = {
    "Posts.xml": "posts",
    "Users.xml": "users",
    "Comments.xml": "comments",
    "Votes.xml": "votes",
    "PostLinks.xml": "postlinks",
    "Tags.xml": "tags",
}


def rows(path: Path) -> list[dict]:
    """Every row's attributes (the full dumps are small enough for a script to hold)."""
    found = []
    for _, element in ElementTree.iterparse(path):
        if element.tag == "row":
            found.append(dict(element.attrib))
            element.clear()
    return found


def attribute(value: str) -> str:
    """Escape an attribute value as the dumps do, newlines included (they would become spaces)."""
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
        value = value.replace(raw, escaped)
    return value.replace("\r", "&#xD;").replace("\n", "&#xA;").replace("\t", "&#x9;")


def write(path: Path, kept: list[dict]) -> int:
    """Write rows in the dumps' layout; return the file's size."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>', f"<{ROOTS[path.name]}>"]
    for row in kept:
        pairs = " ".join(f'{name}="{attribute(value)}"' for name, value in row.items())
        lines.append(f"  <row {pairs} />")
    lines.append(f"</{ROOTS[path.name]}>\n")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path.stat().st_size


def choose_questions(posts: list[dict], links: list[dict], comments: list[dict], target: int) -> list[str]:
    """The ids of the questions to keep, in the order of the reasons above."""
    questions = {post["Id"]: post for post in posts if post["PostTypeId"] == "1"}
    chosen: dict[str, None] = {}
    for link in links:
        if link["LinkTypeId"] != "3":
            continue
        # both ends when both exist; the surviving end when the other was deleted
        chosen.update(
            dict.fromkeys(end for end in (link["PostId"], link["RelatedPostId"]) if end in questions)
        )
    answers = [post for post in posts if post["PostTypeId"] == "2"]
    answered = {answer["ParentId"] for answer in answers}
    parents = {answer["Id"]: answer["ParentId"] for answer in answers}
    edge_cases = [
        next(q for q in questions.values() if q.get("ClosedDate") and q["Id"] not in chosen),
        next(q for q in questions.values() if q["Id"] not in answered),
        next(q for q in questions.values() if "OwnerUserId" not in q),
    ]
    chosen.update(dict.fromkeys(question["Id"] for question in edge_cases))
    chosen[next(parents[a["Id"]] for a in answers if "OwnerUserId" not in a)] = None
    chosen[next(c["PostId"] for c in comments if not c.get("UserId") and c["PostId"] in questions)] = None
    # evenly spaced among the shorter half of the threads: a realistic spread in a small file
    size = {question_id: len(question["Body"]) for question_id, question in questions.items()}
    for answer in answers:
        size[answer["ParentId"]] = size.get(answer["ParentId"], 0) + len(answer["Body"])
    median = sorted(size.values())[len(size) // 3]
    rest = [
        question_id for question_id in questions if question_id not in chosen and size[question_id] <= median
    ]
    step = max(len(rest) // max(target - len(chosen), 1), 1)
    for question_id in rest[::step]:
        if len(chosen) >= target:
            break
        chosen[question_id] = None
    return list(chosen)


def best_answers(posts: list[dict], question_ids: set[str]) -> list[dict]:
    """Each kept question's accepted answer and its best others, MAX_ANSWERS at most."""
    accepted = {post.get("AcceptedAnswerId") for post in posts if post["Id"] in question_ids}
    threads: dict[str, list[dict]] = {}
    for post in posts:
        if post["PostTypeId"] == "2" and post["ParentId"] in question_ids:
            threads.setdefault(post["ParentId"], []).append(post)
    kept = []
    for answers in threads.values():
        answers.sort(
            key=lambda answer: (answer["Id"] not in accepted, -int(answer["Score"]), int(answer["Id"]))
        )
        kept += answers[:MAX_ANSWERS]
    return sorted(kept, key=lambda answer: int(answer["Id"]))


def first_comments(comments: list[dict], post_ids: set[str]) -> list[dict]:
    """The first MAX_COMMENTS comments on each kept post."""
    kept, per_post = [], {}
    for comment in comments:
        if comment["PostId"] in post_ids and per_post.get(comment["PostId"], 0) < MAX_COMMENTS:
            per_post[comment["PostId"]] = per_post.get(comment["PostId"], 0) + 1
            kept.append(comment)
    return kept


def excerpt(source: Path, destination: Path, target: int) -> dict[str, int]:
    """Write one site's excerpt; return what it holds."""
    posts = rows(source / "Posts.xml")
    links = rows(source / "PostLinks.xml")
    comments = rows(source / "Comments.xml")
    question_ids = set(choose_questions(posts, links, comments, target))
    kept_posts = [post for post in posts if post["Id"] in question_ids]
    kept_posts += best_answers(posts, question_ids)
    # one tag wiki and its excerpt (PostTypeId 4 and 5), so skipping them is tested on real rows
    wiki_types = {"4", "5"}
    kept_posts += [post for post in posts if post["PostTypeId"] in wiki_types][:2]
    post_ids = {post["Id"] for post in kept_posts}
    kept_comments = first_comments(comments, post_ids)
    ends = [{link["PostId"], link["RelatedPostId"]} & post_ids for link in links]
    # links between kept posts, and duplicate links whose other end was deleted from the site
    kept_links = [
        link
        for link, kept in zip(links, ends, strict=True)
        if len(kept) == 2 or (kept and link["LinkTypeId"] == "3")
    ]
    tag_names = {
        name
        for post in kept_posts
        for name in post.get("Tags", "").strip("<>|").replace("><", "|").split("|")
    }
    user_ids = {"-1"}
    user_ids |= {
        post[key] for post in kept_posts for key in ("OwnerUserId", "LastEditorUserId") if key in post
    }
    user_ids |= {comment["UserId"] for comment in kept_comments if "UserId" in comment}
    users = rows(source / "Users.xml")
    # two accounts whose names differ only in case (or not at all), so de-duplication is tested
    seen: dict[str, str] = {}
    for user in users:
        key = user["DisplayName"].strip().casefold()
        if key in seen and seen[key] != user["Id"]:
            user_ids |= {seen[key], user["Id"]}
            break
        seen[key] = user["Id"]
    kept_users = [
        {name: value for name, value in user.items() if name not in DROPPED_USER_FIELDS}
        for user in users
        if user["Id"] in user_ids
    ]
    destination.mkdir(parents=True, exist_ok=True)
    sizes = {
        "Posts.xml": write(destination / "Posts.xml", kept_posts),
        "Users.xml": write(destination / "Users.xml", kept_users),
        "Comments.xml": write(destination / "Comments.xml", kept_comments),
        "Votes.xml": write(
            destination / "Votes.xml",
            [
                vote
                for vote in rows(source / "Votes.xml")
                if vote["PostId"] in post_ids and vote["VoteTypeId"] in VOTE_TYPES
            ],
        ),
        "PostLinks.xml": write(destination / "PostLinks.xml", kept_links),
        "Tags.xml": write(
            destination / "Tags.xml",
            [tag for tag in rows(source / "Tags.xml") if tag["TagName"] in tag_names],
        ),
    }
    kept_questions = {post["Id"] for post in kept_posts if post["PostTypeId"] == "1"}
    return {
        "questions": len(kept_questions),
        "answers": sum(post["PostTypeId"] == "2" for post in kept_posts),
        "users": len(kept_users),
        "comments": len(kept_comments),
        "duplicate pairs": sum(
            link["LinkTypeId"] == "3" and {link["PostId"], link["RelatedPostId"]} <= kept_questions
            for link in kept_links
        ),
        "kilobytes": sum(sizes.values()) // 1024,
    }


def main() -> None:
    """Build every site's excerpt and print what each holds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=HERE.parents[2] / "shared" / "data")
    parser.add_argument("--destination", type=Path, default=HERE / "stackexchange")
    arguments = parser.parse_args()
    for site, target in SITES.items():
        counts = excerpt(arguments.source / site, arguments.destination / site, target)
        print(site, ", ".join(f"{name}: {number:,}" for name, number in counts.items()))


if __name__ == "__main__":
    main()

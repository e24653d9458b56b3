"""How answer quality moves a question up the results: one formula for every engine."""

from __future__ import annotations

import math

ACCEPTED_BONUS = 0.5
STAFF_ANSWER_BONUS = 0.3
ANSWERED_BONUS = 0.2
SCORE_WEIGHT = 0.15
NEGATIVE_SCORE_PENALTY = 0.25
# a question closed as a duplicate ranks below its original, which holds the answers
DUPLICATE_FACTOR = 0.5
# The largest quality() can be for a score of 10,000 (bounds for engines that need one)
MAX_QUALITY = 1 + ACCEPTED_BONUS + STAFF_ANSWER_BONUS + ANSWERED_BONUS + SCORE_WEIGHT * math.log1p(10_000)


def quality(
    *, has_accepted: bool, has_staff_answer: bool, is_answered: bool, score: int, is_duplicate: bool = False
) -> float:
    """The answer-quality factor that multiplies a question's text relevance.

        rank = relevance × quality
        quality = (1 + 0.5·accepted + 0.3·staff_answer + 0.2·answered
                     + 0.15·ln(1 + max(score, 0)) − 0.25·[score < 0]) × (0.5 if duplicate)

    `relevance` is the engine's text score (BM25F over title ×5, tags ×2, body and answers ×1 in
    Whoosh; ts_rank_cd with weights A 1.0, B 0.4, C 0.2 in PostgreSQL). Multiplying keeps the
    formula free of each engine's scale: a thread with an accepted answer by a staff expert
    ranks 2× (1 + 0.5 + 0.3 + 0.2) above an equally relevant unanswered one, and votes add
    slowly (a score of 20 adds 0.46), so text relevance still decides between topics.
    `staff_answer` means an expert, moderator or admin wrote a visible answer. A question closed
    as a duplicate counts half, so search prefers the original it points to (its page links it).
    Past SEARCH_MAX_RESULTS matches, PostgreSQL ranks only the matches with the best quality
    (the rest cannot have better answers): see PostgresBackend._match_by_index.
    """
    value = 1.0
    value += ACCEPTED_BONUS if has_accepted else 0.0
    value += STAFF_ANSWER_BONUS if has_staff_answer else 0.0
    value += ANSWERED_BONUS if is_answered else 0.0
    value += SCORE_WEIGHT * math.log1p(max(score, 0))
    value -= NEGATIVE_SCORE_PENALTY if score < 0 else 0.0
    value *= DUPLICATE_FACTOR if is_duplicate else 1.0
    return round(value, 6)


# similar(): what a draft is about is its title and the few rarest words of its body
SIMILAR_TITLE_TERMS = 12
SIMILAR_BODY_TERMS = 12
SIMILAR_TITLE_WEIGHT = 2.0


def idf(document_frequency: int, total: int) -> float:
    """BM25's inverse document frequency: ln(1 + (N − df + 0.5) / (df + 0.5))."""
    return math.log(1 + (total - document_frequency + 0.5) / (document_frequency + 0.5))


def distinctive_terms(
    counts: dict[str, int], document_frequency: dict[str, int], total: int, limit: int = SIMILAR_BODY_TERMS
) -> list[tuple[str, float]]:
    """The `limit` terms of a text that say most about it, with their weight, best first.

        weight = (1 + ln tf) × idf(df)

    Terms no indexed question contains (df = 0) cannot match and are dropped; words common to
    most questions weigh next to nothing, so a long body does not drown its title.
    """
    scored = []
    for term, tf in counts.items():
        df = document_frequency.get(term, 0)
        if df <= 0 or tf <= 0:
            continue
        scored.append(((1 + math.log(tf)) * idf(df, total), term))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [(term, weight) for weight, term in scored[:limit]]

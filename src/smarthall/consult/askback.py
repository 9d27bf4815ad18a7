"""When the consultation assistant asks back instead of guessing, and when it shows a given answer with doubt (pure).

Split from ``qa`` (which names these as before): the answer's hits and confidence in, the choices or the doubt out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smarthall.consult.qa import Answer, Hit

# Ask back when the runner-up scores at least CLOSE of the best and both name different items (siblings), or when
# the confidence is middling (within MIDDLING below the threshold) and a few items score near each other.
CLOSE = 0.85
NEAR = 0.6
MIDDLING = 0.2
MAX_CHOICES = 3
# An answer whose confidence is within this of the threshold is given, but the page says it is not sure of it.
UNSURE_BAND = 0.15
# An answer whose best entry covers this share of the question only through a concept (an inference from a life
# event: 脑瘫 → 残疾) is given with the same note however high its confidence: the concept says what the question
# may be about, not that this entry is the one.
INFERRED_DOUBT = 0.3


def unsure(answer: Answer, threshold: float) -> bool:
    """Whether a confident answer (not asked back) is shown with doubt: just above the bar, or found by inference."""
    if not answer.confident or answer.clarify:
        return False
    return answer.confidence < threshold + UNSURE_BAND or answer.features.get("inferred", 0.0) >= INFERRED_DOUBT


def clarifying_choices(
    hits: Sequence[Hit], confidence: float, threshold: float, *, undecided: bool = False
) -> tuple[Hit, ...]:
    """The entries to offer as choices when the answer should be asked back rather than guessed, or ().

    ``undecided``: the two best are opposite siblings and the question names neither pole ("个体户执照")."""
    if len(hits) < 2 or confidence < threshold - MIDDLING or hits[0].score <= 0:
        return ()
    top = hits[0].score
    choices: list[Hit] = []
    seen: set[str] = set()
    for hit in hits:
        key = hit.doc.item_code or hit.doc.key
        if key in seen or hit.score < NEAR * top:
            continue
        seen.add(key)
        choices.append(hit)
    if len(choices) < 2 or not all(h.doc.item_code for h in choices[:2]):
        return ()
    if confidence >= threshold and choices[1].score < CLOSE * top and not undecided:
        return ()  # confident and clear of its siblings: answer
    return tuple(choices[:MAX_CHOICES])

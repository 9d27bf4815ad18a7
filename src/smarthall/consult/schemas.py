"""Consultation API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from smarthall.core.schemas import RequestModel
from smarthall.core.types import BigId


class AskIn(RequestModel):
    # The 500-character limit is checked by the service so the error carries our code; this bound stops abuse.
    question: str = Field(max_length=5000)
    hall_code: str | None = Field(default=None, max_length=40)
    channel: Literal["web", "kiosk", "guide_desk"] = "web"


class AnswerOut(BaseModel):
    kind: Literal["item", "faq"]
    item_code: str | None = None
    faq_id: str | None = None
    entry_code: str
    entry_version: int
    title: str
    snippet: str
    score: float


class NextStep(BaseModel):
    route: str  # book | ticket | online | self_service | help | guide_desk | hotline
    label_zh: str
    label_en: str
    method: Literal["GET", "POST", "TEL"]
    href: str
    api: dict[str, object] | None = None  # for POST steps: the JSON body to send to ``href``


class Choice(BaseModel):
    entry_code: str
    item_code: str | None = None
    title: str


class Clarify(BaseModel):
    """A clarifying question with tap-able choices, asked instead of guessing among close siblings."""

    question_zh: str
    question_en: str
    choices: list[Choice]


class ChoiceIn(RequestModel):
    entry_code: str = Field(min_length=1, max_length=40)
    feedback_token: str = Field(default="", max_length=128)  # the asker's proof (``AskOut.feedback_token``)


class AskOut(BaseModel):
    question_id: int
    confident: bool
    confidence: float
    normalised: str
    message_zh: str
    message_en: str
    answers: list[AnswerOut]
    next_steps: list[NextStep]
    reranked: bool = False
    clarify: Clarify | None = None
    # Answered, but only just above the hall's threshold: the page says it is not sure and offers a person.
    unsure: bool = False
    # Proof of having asked: only the asker (who holds this) or staff may give feedback on the answer.
    feedback_token: str = ""


class FeedbackIn(RequestModel):
    question_id: BigId
    helpful: bool
    feedback_token: str = Field(default="", max_length=128)


class RouteIn(RequestModel):
    route: Literal["book", "ticket", "online", "self_service", "help", "guide_desk", "hotline"]
    item_code: str | None = Field(default=None, max_length=32)
    hall_code: str | None = Field(default=None, max_length=40)
    question_id: BigId | None = None
    feedback_token: str = Field(default="", max_length=64)  # the answer's; a question's route only by its asker


class NotThis(RequestModel):
    """When a question says ``when``, this entry is not the answer (``instead``: the sibling item that is)."""

    when: str = Field(min_length=1, max_length=120)
    instead: str | None = Field(default=None, max_length=32)


class EntryIn(RequestModel):
    code: str | None = Field(default=None, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    # The owning hall (creation only; default: the editor's hall). An editor of no hall makes platform entries.
    hall_code: str | None = Field(default=None, max_length=40)
    kind: Literal["faq", "item"] = "faq"
    item_code: str | None = Field(default=None, max_length=32)
    title: str = Field(min_length=1, max_length=500)
    body: str = Field(min_length=1, max_length=10000)
    tags: list[str] = Field(default_factory=list, max_length=30)
    keywords: list[str] = Field(default_factory=list, max_length=100)
    situations: list[str] = Field(default_factory=list, max_length=50)
    not_this: list[NotThis] = Field(default_factory=list, max_length=30)
    effective_from: datetime | None = None
    expires_at: datetime | None = None


class EntryRead(BaseModel):
    code: str
    hall_code: str | None = None
    kind: str
    item_code: str | None
    title: str
    body: str
    tags: list[str]
    keywords: list[str]
    situations: list[str] = []
    not_this: list[dict[str, object]] = []
    status: str
    version: int
    effective_from: datetime | None
    expires_at: datetime | None
    source: str
    reviewer_id: int | None
    reviewed_at: datetime | None
    pending: dict[str, object] | None
    review_note: str


class ReviewIn(RequestModel):
    approve: bool
    note: str = Field(default="", max_length=1000)


class QueueAction(RequestModel):
    action: Literal["link", "dismiss"]
    entry_code: str | None = Field(default=None, max_length=40)


class QueueItem(BaseModel):
    id: int
    text: str
    confidence: float
    confident: bool
    helpful: bool | None
    top_entry_code: str | None
    review_status: str
    asked_at: datetime


class DayMetrics(BaseModel):
    day: str
    asked: int
    answered: int
    answer_rate: float
    feedback: int
    helpful: int
    hit_rate: float | None
    handed_over: int
    hand_over_rate: float
    routes: dict[str, int]
    # A confident answer later found wrong: marked "not helpful", or linked by an editor to another entry.
    confidently_wrong: int = 0
    confidently_wrong_rate: float = 0.0
    clarified: int = 0  # asked back with choices
    chosen: int = 0  # ... and a choice was tapped

"""Text: links and keywords matched in text (``/v1/match/text``), and live
conversations scored for grooming risk (``/v1/conversations/{id}``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from brightline.adapters.api.deps import RuntimeDep, ScannerKey
from brightline.adapters.api.matching import key_actor
from brightline.adapters.api.runtime import Runtime
from brightline.adapters.api.uploads import LARGE_JSON
from brightline.errors import InputError, TooLargeError
from brightline.services.pipeline.match_service import Request as MatchRequest
from brightline.services.text import conversations
from brightline.services.text.conversations import NewMessage
from brightline.services.text.matching import (
    TextDocument,
    TextResult,
    match_texts,
    record_text_matches,
)

router = APIRouter(prefix="/v1", tags=["text"])


class TextMatchIn(BaseModel):
    text: str = Field(description="The text to search (a message, a post, a page).")
    lists: list[str] | None = Field(
        default=None, max_length=100, description="Match only these lists (default: all)."
    )
    ref: str | None = Field(
        default=None, max_length=256, description="Your id for the text; kept in the match log."
    )


class TextMatchRow(BaseModel):
    """A URL or keyword entry found in the text: ``found`` is the text as written
    there, ``span`` its ``[start, end)`` in characters of the text sent."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    list_name: str = Field(alias="list")
    entry_id: int
    signal_type: str
    value: str
    category: str | None
    found: str
    span: list[int]


class TextMatchOut(BaseModel):
    matches: list[TextMatchRow]
    error: dict[str, str] | None


@router.post("/match/text", response_model=TextMatchOut, openapi_extra=LARGE_JSON)
async def match_text(
    body: TextMatchIn, request: Request, runtime: RuntimeDep, key: ScannerKey
) -> JSONResponse:
    """Find the links and keywords of URL and keyword lists in a text. Not to be
    confused with ``/v1/match/url``, which fetches a URL's content and matches that.
    Matches are recorded and run their lists' actions like any other."""
    if len(body.text) > runtime.settings.text_max_chars:
        raise TooLargeError(
            f"the text is longer than {runtime.settings.text_max_chars:,} characters"
        )
    request_id = getattr(request.state, "request_id", None)
    who = MatchRequest(key_actor(key), request_id, body.ref)
    result = await run_in_threadpool(_match, runtime, body, who)
    return JSONResponse({"matches": [m.as_dict() for m in result.matches], "error": None})


def _match(runtime: Runtime, body: TextMatchIn, who: MatchRequest) -> TextResult:
    doc = TextDocument(body.text, body.ref)
    [result] = match_texts(runtime.matcher, [doc], body.lists)
    if result.matches:
        job = who.job(runtime.review, "lookup", body.lists, "matched")
        if record_text_matches(job, [doc], [result]):
            runtime.kick.set()  # webhooks to deliver
    return result


# -- live conversations ---------------------------------------------------------


class MessageIn(BaseModel):
    author: str = Field(min_length=1, max_length=200)
    text: str
    time: str | None = Field(default=None, max_length=64)


class MessagesIn(BaseModel):
    """One message (``author``, ``text``, ``time``) or several (``messages``)."""

    author: str | None = Field(default=None, min_length=1, max_length=200)
    text: str | None = None
    time: str | None = Field(default=None, max_length=64)
    messages: list[MessageIn] | None = Field(default=None, max_length=1000)

    def all(self) -> list[NewMessage]:
        if self.messages is not None:
            if self.author is not None or self.text is not None:
                raise InputError("send one message (author, text) or 'messages', not both")
            return [NewMessage(m.author, m.text, m.time) for m in self.messages]
        if self.author is None or self.text is None:
            raise InputError("a message needs 'author' and 'text' (or send 'messages')")
        return [NewMessage(self.author, self.text, self.time)]


class ConversationWarning(BaseModel):
    message: int
    author: str
    risk: float
    indicators: list[dict[str, Any]]
    review_item: int | None = None


class ConversationOut(BaseModel):
    conversation: str
    messages: int
    risk: float
    participants: dict[str, float]
    warning: ConversationWarning | None = None
    warnings: list[ConversationWarning]


@router.post(
    "/conversations/{conversation}/messages",
    response_model=ConversationOut,
    tags=["text"],
    openapi_extra=LARGE_JSON,
)
async def post_messages(
    conversation: str, body: MessagesIn, runtime: RuntimeDep, key: ScannerKey
) -> JSONResponse:
    """Score a conversation's next message (or messages), in order: the conversation's
    and each participant's risk now, and a ``warning`` when the rule fires. Warnings
    go to review; nothing is enforced automatically."""
    new = body.all()
    answer = await run_in_threadpool(
        conversations.post_messages,
        runtime.services.store,
        runtime.settings,
        runtime.review,
        key_actor(key),
        conversation,
        new,
    )
    return JSONResponse(answer)


@router.get("/conversations/{conversation}", response_model=ConversationOut, tags=["text"])
async def get_conversation(
    conversation: str, runtime: RuntimeDep, _key: ScannerKey
) -> JSONResponse:
    """A conversation's risk, participants and warnings (with their review items)."""
    found = await run_in_threadpool(
        conversations.get_conversation, runtime.services.store, conversation
    )
    return JSONResponse({**found, "warning": None})

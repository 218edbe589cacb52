"""Text: links and keywords matched in text (``/v1/match/text``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from brightline.adapters.api.deps import RuntimeDep, ScannerKey
from brightline.adapters.api.matching import key_actor
from brightline.adapters.api.runtime import Runtime
from brightline.errors import TooLargeError
from brightline.services.match_service import Request as MatchRequest
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


@router.post("/match/text", response_model=TextMatchOut)
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
        recorder = who.recorder(runtime.services.store, "lookup", "matched")
        if record_text_matches(recorder, [doc], [result], runtime.review):
            runtime.kick.set()  # webhooks to deliver
    return result

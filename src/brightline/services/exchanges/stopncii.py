"""StopNCII.org's hash API (JSON).

``GET {base}/FetchHashes?startTimestamp=…&pageSize=…[&nextPageToken=…]`` with the
headers ``x-functions-key`` and ``Ocp-Apim-Subscription-Key`` answers ``hashRecords``,
``hasMoreRecords``, ``nextPageToken`` and ``nextSetTimestamp`` (the checkpoint once
the pages run out). A record is the current state of one hash: ``hashStatus``
``Withdrawn`` or ``Deleted`` removes it. pytx 1.2.17 tests ``hashValue`` where it
means ``hashStatus``, so withdrawals never apply there; and its
``StopNCIICSPFeedback.as_dict_for_post`` is a classmethod reading instance fields,
so its feedback calls cannot work. Hence this client.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from brightline.errors import ExchangeError, UsageError
from brightline.services.exchanges import http
from brightline.services.exchanges.base import Config, Feedback, Page, RemoteEntry

BASE_URL = "https://api.stopncii.org/v1"
PAGE_SIZE = 800
_TYPES = {"imagepdq": "pdq", "videomd5": "md5"}
_FEEDBACK = {"pdq": "ImagePDQ", "md5": "VideoMD5"}
_REMOVED = {"withdrawn", "deleted"}


def to_entry(record: Mapping[str, Any]) -> RemoteEntry:
    kind, value = record.get("signalType"), record.get("hashValue")
    if not isinstance(kind, str) or not isinstance(value, str) or not value:
        raise ExchangeError("a StopNCII record without its signalType or hashValue")
    status = str(record.get("hashStatus") or "")
    stamp = record.get("lastModtimestamp")
    return RemoteEntry(
        source_id=f"{kind}:{value}",
        fingerprints={kind: value},
        content_type="video" if kind.lower().startswith("video") else "photo",
        updated_at=datetime.fromtimestamp(int(stamp), UTC) if isinstance(stamp, int) else None,
        deleted=status.lower() in _REMOVED,
    )


class StopNciiExchange:
    name = "stopncii"
    credentials_form = "functions-key:subscription-key"

    def check_config(
        self, url: str | None, environment: str | None, credentials: str | None
    ) -> None:
        if credentials is not None:
            fkey, sep, skey = credentials.partition(":")
            if not sep or not fkey or not skey:
                raise UsageError(
                    "StopNCII credentials are one line: functions-key:subscription-key"
                )

    def _client(self, config: Config) -> httpx.Client:
        if not config.credentials:
            raise ExchangeError(f"exchange {config.name!r} has no credentials")
        fkey, _, skey = config.credentials.partition(":")
        headers = {"x-functions-key": fkey, "Ocp-Apim-Subscription-Key": skey}
        return httpx.Client(headers=headers)

    def pages(
        self,
        config: Config,
        checkpoint: Mapping[str, Any] | None,
        resume: Mapping[str, Any] | None,
    ) -> Iterator[Page]:
        base = (config.url or BASE_URL).rstrip("/")
        if resume:
            start, token = int(resume["start"]), str(resume.get("token") or "")
        else:
            start, token = int((checkpoint or {}).get("start", 10)), ""
        with self._client(config) as client:
            while True:
                params: dict[str, Any] = {"startTimestamp": start, "pageSize": PAGE_SIZE}
                if token:
                    params["nextPageToken"] = token
                resp = http.request(
                    client, config.http, "GET", f"{base}/FetchHashes", params=params
                )
                try:
                    body = resp.json()
                    records = [to_entry(r) for r in body.get("hashRecords") or []]
                    more = bool(body.get("hasMoreRecords"))
                    token = str(body.get("nextPageToken") or "")
                    next_start = int(body.get("nextSetTimestamp") or start)
                except (ValueError, AttributeError, TypeError) as exc:
                    raise ExchangeError(
                        f"StopNCII answered JSON that cannot be read: {exc}"
                    ) from None
                if more and token:
                    yield Page(records, resume={"start": start, "token": token})
                    continue
                yield Page(records, checkpoint={"start": next_start})
                return

    def signals_of(self, entry: RemoteEntry) -> list[tuple[str, str]]:
        return [(_TYPES.get(k.lower(), k.lower()), v) for k, v in entry.fingerprints.items()]

    def feedback_fingerprint(self, signal_type: str) -> str | None:
        return _FEEDBACK.get(signal_type)

    def send_feedback(self, config: Config, feedback: Feedback) -> None:
        base = (config.url or BASE_URL).rstrip("/")
        value = "Blocked" if feedback.verdict == "affirmative" else "NotBlocked"
        body = {
            "count": 1,
            "hashFeedbacks": [
                {"hashValue": feedback.value, "feedbackValue": value, "tags": []},
            ],
        }
        with self._client(config) as client:
            http.request(client, config.http, "POST", f"{base}/SubmitFeedback", json=body)


EXCHANGE = StopNciiExchange()

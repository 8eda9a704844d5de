"""A loopback HTTPS stand-in of Marketo's identity service and REST API, replaying real payloads.

The production ``MarketoClient`` runs against it unchanged::

    with MarketoStandIn() as standin:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", standin.ca_bundle)
        client = MarketoClient(marketo_login_from(standin.secrets()))

What it answers, and where each shape comes from (``tests/fixtures/real/marketo/``):

- ``/identity/oauth/token`` (GET or POST; parameters in the query or a form body, as the
  identity endpoint documents): ``identity_oauth_token_response_doc.json``'s shape, with a new
  ``uuid:int`` token and ``scope`` = the API-only user. While a token is valid, a new request
  gets the same token with its remaining lifetime, as Marketo does. Wrong credentials: HTTP 401
  with an OAuth ``{"error": "invalid_client", ...}`` body (the docs name the 401, not the body:
  the body is this stand-in's choice, the usual OAuth 2.0 shape).
- ``/rest/v1/activities/types.json``: the docs' example type (``activity_types_response_
  fragment_doc.json.txt``, published without its opening brace, so it is parsed with one added)
  plus every type of ``activity_type_ids_with_attributes_table_doc_2025-08.md`` with its id and
  attributes (the table gives no data types or descriptions: those are left as "string"/"").
- ``/rest/v1/activities/pagingtoken.json`` and ``/rest/v1/activities.json``: the real
  envelopes; ``sinceDatetime`` only in the documented forms (``2016-09-15T10:53:00Z``,
  ``2016-09-15T15:53:00+05:00``: ``paging_tokens_since_datetime_doc.md``), else 1003
  (``activities_pagingtoken_response_doc.json.txt`` is published with NBSP
  indentation, so its shape is rebuilt, not parsed). Tokens are base32 of "date,position" like
  the docs' older tokens (``GIYDAOBN...`` decodes to ``2008-11-06T00:00:00.000+0000,0``).
  Activities come from ``log`` (scripted with ``add_activity``, in time order), in the
  record shape of ``activities_get_lead_activities_response_doc.json``; those after
  ``visible_until`` (when set) have not happened yet. A page scans at most ``scan_size``
  log entries and returns the matching ones (at most ``page_size``), so a page may hold fewer
  than 300 activities, or none, while ``moreResult`` is true, as Marketo's do.
- ``/rest/v1/stats/usage.json`` and ``/rest/v1/stats/errors.json``: the real payloads, or
  ``usage_payload`` / ``errors_payload`` when a test sets them.
- ``POST /rest/v1/campaigns/{id}/trigger.json`` (Request Campaign): a JSON body
  ``{"input": {"leads": [{"id": n}, ...], "tokens": [{"name": "{{my.X}}", "value": ...}]}}``
  for a campaign scripted with ``add_campaign`` (its program's My Tokens); at most 100 leads
  (the documented limit). Answers ``{"requestId", "result": [{"id": campaign}], "success"}``
  as the docs show. An unknown campaign is 1013 (Object not found, as the reference says of a
  campaign by id); more than 100 leads, a lead without a numeric id or a token the program does
  not have are 1003 (Invalid data): the docs name no code for these, so the stand-in is
  strict. A body that is not JSON is 609. ``triggered`` keeps every accepted trigger.
- Errors: the real response-level envelope of ``error_response_level_601_doc.json``
  (HTTP 200, ``success: false``, ``errors[0].code`` as a quoted number) with the messages of
  ``error_codes_reference_doc.md``. The stand-in enforces Marketo's limits itself (606 past
  ``rate_calls`` in ``rate_seconds``, 615 past ``max_concurrent`` calls at once, 607 past
  ``daily_quota``) and checks the token like Marketo: only the Authorization header counts; a
  token in the ``access_token`` query parameter (removed by Adobe) is answered 601.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.standins.https import Incoming, LoopbackStandIn, Reply

SINCE_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})")

REAL_MARKETO = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "marketo"
CLIENT_ID = "5f0a3b6c-1d2e-4f50-9a8b-7c6d5e4f3a2b"
# The API-only user that owns the custom service: the scope of the real token response.
API_USER = "apis@acmeinc.com"
# Messages of the response-level codes, as the error-codes reference writes them.
MESSAGES = {
    "601": "Access token invalid",
    "602": "Access token expired",
    "603": "Access denied",
    "604": "Request time-out",
    "606": "Max rate limit '100' exceeded with in '20' secs",
    "607": "Daily quota reached",
    "608": "API Temporarily Unavailable",
    "609": "Invalid JSON",
    "610": "Requested resource not found",
    "611": "System error",
    "615": "Concurrent access limit reached",
    "701": "%s cannot be blank",
    "713": "Transient Error",
    "1013": "Object not found",
    # Not in the reference with this wording: 1003 is the documented "Invalid data" code; the
    # text is this stand-in's choice.
    "1003": "Invalid value for %s",
}
MAX_TYPE_IDS = 10  # activityTypeIds per activities.json call
PAGE_SIZE = 300
LEADS_PER_TRIGGER = 100  # leads a Request Campaign call takes
TRIGGER_PATH = re.compile(r"/v1/campaigns/(\d+)/trigger\.json")


def load_fixture(name: str) -> Any:
    """Parse one real payload."""
    return json.loads((REAL_MARKETO / name).read_text(encoding="utf-8"))


def _type_table() -> list[dict[str, Any]]:
    """Every standard activity type of the docs' table, with its attributes."""
    text = (REAL_MARKETO / "activity_type_ids_with_attributes_table_doc_2025-08.md").read_text(
        encoding="utf-8"
    )
    types = []
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[1].isdigit():
            continue  # the header, its rule, and "Custom | 100000+"
        attributes = [a.strip() for a in re.sub(r"\(.*?\)", "", cells[2]).split(",") if a.strip()]
        types.append(
            {
                "id": int(cells[1]),
                "name": cells[0],
                "description": "",
                "attributes": [{"name": a, "dataType": "string"} for a in attributes],
            }
        )
    return types


def activity_types_payload() -> dict[str, Any]:
    """The docs' types.json example (its missing "{" added) with the table's types appended."""
    fragment = (REAL_MARKETO / "activity_types_response_fragment_doc.json.txt").read_text(
        encoding="utf-8"
    )
    payload = json.loads("{" + fragment)
    known = {item["id"] for item in payload["result"]}
    payload["result"] += [item for item in _type_table() if item["id"] not in known]
    return payload


def encode_token(moment: datetime, position: int) -> str:
    text = f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%S.000+0000},{position}"
    return base64.b32encode(text.encode()).decode()


def decode_token(token: str) -> int | None:
    try:
        text = base64.b32decode(token + "=" * (-len(token) % 8)).decode()
        return int(text.rsplit(",", 1)[1])
    except (ValueError, IndexError, UnicodeDecodeError):
        return None


def marketo_time(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


@dataclass(frozen=True)
class Recorded:
    """One request the stand-in received."""

    method: str
    path: str
    query: dict[str, list[str]]
    authorization: str  # the Authorization header ("" when absent)
    form: dict[str, list[str]]  # a form-encoded body, parsed
    received_at: float  # time.monotonic() on arrival
    payload: Any = None  # a JSON body, parsed (None when absent or not JSON)

    def first(self, name: str) -> str:
        return (self.query.get(name) or [""])[0]


@dataclass
class _Failure:
    code: str
    times: int
    path: str
    http_status: int = 200
    body: bytes = b""


@dataclass(frozen=True)
class Triggered:
    """One accepted campaign trigger."""

    campaign_id: int
    lead_ids: tuple[int, ...]
    tokens: dict[str, str]


class MarketoStandIn(LoopbackStandIn):
    """Marketo on https://127.0.0.1:PORT (identity under /identity, REST under /rest)."""

    def __init__(self) -> None:
        self.client_id = CLIENT_ID
        self.client_secret = secrets.token_urlsafe(24)
        self.api_user = API_USER
        self.token_lifetime_seconds = 3600
        self.types_payload = activity_types_payload()
        self.log: list[dict[str, Any]] = []
        self._dates: list[datetime] = []
        self.page_size = PAGE_SIZE
        self.scan_size = PAGE_SIZE
        # Activities after this moment have not happened yet (a test or bench that passes its
        # own clock sets it); None: the whole log is visible.
        self.visible_until: datetime | None = None
        # Lead records Get Leads by Filter Type answers from (dicts of REST field values), and
        # the lead describe (a real instance's leads/describe.json).
        self.leads: list[dict[str, Any]] = []
        self.describe_payload: dict[str, Any] = load_fixture("leads_describe_real_instance.json")
        self.usage_payload: dict[str, Any] = load_fixture("stats_usage_response_doc.json")
        self.errors_payload: dict[str, Any] = load_fixture("stats_errors_response_doc.json")
        self.rate_calls = 100
        self.rate_seconds = 20.0
        self.max_concurrent = 10
        self.daily_quota: int | None = None
        self.delay_seconds = 0.0
        self.campaigns: dict[int, set[str]] = {}  # campaign id -> its program's My Tokens
        self.triggered: list[Triggered] = []
        self.requests: list[Recorded] = []
        self.identity_requests: list[Recorded] = []
        self.refused: dict[str, int] = {}  # error code -> times answered
        self.peak_concurrent = 0
        self.secret_seen_in_url = False
        self._in_flight = 0
        self._arrivals: deque[float] = deque()
        self._tokens: dict[str, float] = {}  # token -> monotonic expiry
        self._current = ""
        self._failures: list[_Failure] = []
        self._next_id = 100000
        self._lock = threading.Lock()
        self._serve(self._dispatch)

    def secrets(self) -> dict[str, str]:
        """The four MARKETO_* settings that point a client at this stand-in."""
        return {
            "MARKETO_IDENTITY_URL": f"{self.url}/identity",
            "MARKETO_BASE_URL": f"{self.url}/rest",
            "MARKETO_CLIENT_ID": self.client_id,
            "MARKETO_CLIENT_SECRET": self.client_secret,
        }

    # -- scripting --------------------------------------------------------------------------

    def type_id(self, name: str) -> int:
        return next(t["id"] for t in self.types_payload["result"] if t["name"] == name)

    def renumber_type(self, name: str, new_id: int) -> None:
        """Give a type another id, as a subscription may (ids are looked up by name)."""
        for item in self.types_payload["result"]:
            if item["name"] == name:
                item["id"] = new_id

    def add_activity(
        self,
        type_name: str,
        occurred_at: datetime,
        *,
        lead_id: int = 1,
        primary: str | None = None,
        attributes: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Append one activity to the log (keep the log in time order); returns its record."""
        with self._lock:
            self._next_id += 1
            record = {
                "id": self._next_id,
                "marketoGUID": str(self._next_id),
                "leadId": lead_id,
                "activityDate": marketo_time(occurred_at),
                "activityTypeId": self.type_id(type_name),
                "primaryAttributeValueId": None,
                "primaryAttributeValue": primary,
                "attributes": [{"name": k, "value": v} for k, v in (attributes or {}).items()],
            }
            self.log.append(record)
            self._dates.append(occurred_at.astimezone(UTC))
            return record

    def add_campaign(self, campaign_id: int, my_tokens: tuple[str, ...] = ()) -> None:
        """A requestable smart campaign whose program has these My Tokens ("{{my.X}}")."""
        with self._lock:
            self.campaigns[campaign_id] = set(my_tokens)

    def fail_next(self, code: str | int, times: int = 1, path: str = "") -> None:
        """Answer the next `times` REST calls (whose path contains `path`) with this Marketo
        error code in the real response-level envelope."""
        with self._lock:
            self._failures.append(_Failure(str(code), times, path))

    def fail_http(self, status: int, body: bytes = b"", times: int = 1, path: str = "") -> None:
        """Answer the next `times` REST calls with an HTTP error (e.g. a gateway's 502)."""
        with self._lock:
            self._failures.append(_Failure("", times, path, status, body))

    def answer_next(self, body: bytes, times: int = 1, path: str = "") -> None:
        """Answer the next `times` REST calls with this HTTP 200 body, however odd."""
        with self._lock:
            self._failures.append(_Failure("", times, path, 200, body))

    def expire_tokens(self) -> None:
        """Every token issued so far expires now: the next call with one is answered 602."""
        with self._lock:
            self._tokens = dict.fromkeys(self._tokens, 0.0)
            self._current = ""

    # -- what it saw ---------------------------------------------------------------------

    def rest_calls(self, path: str = "") -> int:
        """REST calls received so far (those whose path contains `path`)."""
        with self._lock:
            return sum(path in r.path for r in self.requests)

    def calls_since(self, index: int) -> list[Recorded]:
        with self._lock:
            return self.requests[index:]

    def tokens_issued(self) -> list[str]:
        """Every access token handed out, oldest first."""
        with self._lock:
            return list(self._tokens)

    # -- transport -----------------------------------------------------------------------

    def _dispatch(self, incoming: Incoming) -> Reply:
        split = urlsplit(incoming.target)
        query = parse_qs(split.query, keep_blank_values=True)
        form: dict[str, list[str]] = {}
        if "x-www-form-urlencoded" in incoming.headers.get("content-type", ""):
            form = parse_qs(incoming.body.decode("utf-8", "replace"), keep_blank_values=True)
        payload = None
        if "json" in incoming.headers.get("content-type", ""):
            try:
                payload = json.loads(incoming.body)
            except ValueError:
                payload = None
        recorded = Recorded(
            incoming.method,
            split.path,
            query,
            incoming.headers.get("authorization", ""),
            form,
            time.monotonic(),
            payload,
        )
        if split.path.rstrip("/") == "/identity/oauth/token":
            with self._lock:
                self.identity_requests.append(recorded)
            return self._identity(recorded)
        if not split.path.startswith("/rest/"):
            return _json(404, {"error": "not found"})
        with self._lock:
            self.requests.append(recorded)
            self._in_flight += 1
            self.peak_concurrent = max(self.peak_concurrent, self._in_flight)
            too_many = self._in_flight > self.max_concurrent
            now = recorded.received_at
            while self._arrivals and self._arrivals[0] <= now - self.rate_seconds:
                self._arrivals.popleft()
            too_fast = len(self._arrivals) >= self.rate_calls
            self._arrivals.append(now)
            over_quota = self.daily_quota is not None and len(self.requests) > self.daily_quota
        try:
            if self.delay_seconds:
                time.sleep(self.delay_seconds)
            if too_many:
                return self._error("615")
            if too_fast:
                return self._error("606")
            if over_quota:
                return self._error("607")
            return self._rest(recorded)
        finally:
            # Before the reply is written: the client cannot see the answer, finish and send
            # its next call while this one still counts as running.
            with self._lock:
                self._in_flight -= 1

    def _error(self, code: str, detail: str = "") -> Reply:
        with self._lock:
            self.refused[code] = self.refused.get(code, 0) + 1
        message = MESSAGES.get(code, "Error")
        message = message % detail if "%s" in message else message
        return _json(
            200,
            {
                "requestId": f"{secrets.token_hex(2)}#{secrets.token_hex(5)[:11]}",
                "success": False,
                "errors": [{"code": code, "message": message}],
            },
        )

    def _identity(self, recorded: Recorded) -> Reply:
        params = {**{k: v[0] for k, v in recorded.form.items()}}
        params.update({k: v[0] for k, v in recorded.query.items()})
        if "client_secret" in recorded.query:
            self.secret_seen_in_url = True
        if (
            params.get("grant_type") != "client_credentials"
            or params.get("client_id") != self.client_id
            or params.get("client_secret") != self.client_secret
        ):
            return _json(
                401, {"error": "invalid_client", "error_description": "Bad client credentials"}
            )
        with self._lock:
            now = time.monotonic()
            if not self._current or self._tokens.get(self._current, 0.0) <= now:
                self._current = f"{uuid.uuid4()}:int"
                self._tokens[self._current] = now + self.token_lifetime_seconds
            remaining = int(self._tokens[self._current] - now)
            token = self._current
        template = load_fixture("identity_oauth_token_response_doc.json")
        return _json(
            200,
            {**template, "access_token": token, "expires_in": remaining, "scope": self.api_user},
        )

    def _token_state(self, recorded: Recorded) -> str:
        """'' for a valid token, else the error code Marketo would answer."""
        if "access_token" in recorded.query:
            return "601"  # the query-parameter form is gone: only the header counts
        scheme, _, token = recorded.authorization.partition(" ")
        with self._lock:
            expiry = self._tokens.get(token)
        if scheme != "Bearer" or expiry is None:
            return "601"
        return "602" if expiry <= time.monotonic() else ""

    def _rest(self, recorded: Recorded) -> Reply:
        state = self._token_state(recorded)
        if state:
            return self._error(state)
        with self._lock:
            failure = next(
                (f for f in self._failures if f.times > 0 and f.path in recorded.path), None
            )
            if failure is not None:
                failure.times -= 1
                self._failures = [f for f in self._failures if f.times > 0]
        if failure is not None:
            if failure.http_status != 200:
                return Reply(failure.http_status, failure.body, "text/html")
            if failure.body:
                return Reply(200, failure.body)
            return self._error(failure.code)
        path = recorded.path.removeprefix("/rest")
        trigger = TRIGGER_PATH.fullmatch(path)
        if trigger and recorded.method == "POST":
            return self._trigger(int(trigger.group(1)), recorded)
        if recorded.method != "GET":
            return self._error("610")
        if path == "/v1/activities/types.json":
            return _json(200, {**self.types_payload, "requestId": _request_id()})
        if path == "/v1/activities/pagingtoken.json":
            return self._paging_token(recorded)
        if path == "/v1/activities.json":
            return self._activities(recorded)
        if path == "/v1/leads/describe.json":
            return _json(200, self.describe_payload)
        if path == "/v1/leads.json":
            return self._leads_by_filter(recorded)
        if path == "/v1/stats/usage.json":
            return _json(200, self.usage_payload)
        if path == "/v1/stats/errors.json":
            return _json(200, self.errors_payload)
        return self._error("610")

    def _leads_by_filter(self, recorded: Recorded) -> Reply:
        """Get Leads by Filter Type as Adobe documents it (help/rest-api/leads.md): at most 300
        filterValues, 414 past 8 KB of request line, the `fields` asked for (a field asked for
        but unset is left out: "implied to be null"), an empty result when nothing matches."""
        key, values = recorded.first("filterType"), recorded.first("filterValues")
        if not key or not values:
            return self._error("1003", "filterType and filterValues are required")
        wanted = values.split(",")
        if len(wanted) > 300:
            return self._error("1003", "more than 300 filterValues")
        line = len(recorded.path) + sum(
            len(k) + len(v) + 2 for k, vs in recorded.query.items() for v in vs
        )
        if line > 8192:
            return Reply(414, b"URI Too Long", "text/html")
        fields = recorded.first("fields") or "id,email,updatedAt,createdAt,firstName,lastName"
        names = fields.split(",")
        found = [
            {n: lead[n] for n in names if lead.get(n) is not None}
            for lead in self.leads
            if str(lead.get(key)) in wanted
        ]
        return _json(200, {"requestId": _request_id(), "result": found, "success": True})

    def _trigger(self, campaign_id: int, recorded: Recorded) -> Reply:
        with self._lock:
            my_tokens = self.campaigns.get(campaign_id)
        if my_tokens is None:
            return self._error("1013")
        body = recorded.payload
        if not isinstance(body, dict):
            return self._error("609")
        given = body.get("input")
        leads = given.get("leads") if isinstance(given, dict) else None
        tokens = given.get("tokens", []) if isinstance(given, dict) else None
        if not isinstance(leads, list) or not leads:
            return self._error("701", "leads")
        if len(leads) > LEADS_PER_TRIGGER or not all(
            isinstance(lead, dict) and isinstance(lead.get("id"), int) for lead in leads
        ):
            return self._error("1003", "leads")
        if not isinstance(tokens, list) or not all(
            isinstance(t, dict) and t.get("name") in my_tokens and isinstance(t.get("value"), str)
            for t in tokens
        ):
            return self._error("1003", "tokens")
        with self._lock:
            self.triggered.append(
                Triggered(
                    campaign_id,
                    tuple(lead["id"] for lead in leads),
                    {t["name"]: t["value"] for t in tokens},
                )
            )
        return _json(
            200, {"requestId": _request_id(), "result": [{"id": campaign_id}], "success": True}
        )

    def _visible(self) -> int:
        """How many log entries have happened (call with the lock held)."""
        if self.visible_until is None:
            return len(self.log)
        return sum(moment <= self.visible_until for moment in self._dates)

    def _paging_token(self, recorded: Recorded) -> Reply:
        since = recorded.first("sinceDatetime")
        if not since:
            return self._error("701", "sinceDatetime")
        if not SINCE_DATETIME.fullmatch(since):
            # Only the forms help/rest-api/paging-tokens.md documents (fixtures/real/marketo/
            # paging_tokens_since_datetime_doc.md): whole seconds, with Z or an offset.
            return self._error("1003", "sinceDatetime")
        try:
            moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError:
            return self._error("1003", "sinceDatetime")
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        with self._lock:
            visible = self._visible()
            position = next((i for i, d in enumerate(self._dates[:visible]) if d > moment), visible)
        return _json(
            200,
            {
                "requestId": _request_id(),
                "success": True,
                "nextPageToken": encode_token(moment, position),
            },
        )

    def _activities(self, recorded: Recorded) -> Reply:
        token = recorded.first("nextPageToken")
        if not token:
            return self._error("701", "nextPageToken")
        position = decode_token(token)
        if position is None:
            return self._error("1003", "nextPageToken")
        ids = [i for value in recorded.query.get("activityTypeIds", []) for i in value.split(",")]
        if not ids:
            return self._error("701", "activityTypeIds")
        if len(ids) > MAX_TYPE_IDS or not all(i.strip().isdigit() for i in ids):
            return self._error("1003", "activityTypeIds")
        wanted = {int(i) for i in ids}
        page: list[dict[str, Any]] = []
        with self._lock:
            visible = self._visible()
            end = position
            stop = min(position + self.scan_size, visible)
            while end < stop and len(page) < self.page_size:
                if self.log[end]["activityTypeId"] in wanted:
                    page.append(self.log[end])
                end += 1
            more = end < visible
            moment = self._dates[end - 1] if end > 0 else datetime(2008, 11, 6, tzinfo=UTC)
        body: dict[str, Any] = {
            "requestId": _request_id(),
            "success": True,
            "nextPageToken": encode_token(moment, end),
            "moreResult": more,
        }
        if page:  # Marketo leaves "result" out of a page without activities
            body["result"] = page
        return _json(200, body)


def _request_id() -> str:
    return f"{secrets.token_hex(2)}#{secrets.token_hex(6)[:11]}"


def _json(status: int, body: Any) -> Reply:
    return Reply(status, json.dumps(body).encode())


def steady_activities(
    standin: MarketoStandIn, start: datetime, hours: float, every_minutes: float = 10
) -> list[dict[str, Any]]:
    """A realistic mix every `every_minutes` from `start`: syncs to SFDC, sync updates, a
    Change Data Value from the sync, an SFDC activity and now and then a pushed lead or a
    Sales-side campaign change; plus an email open (a type the collector must not ask for)."""
    added = []
    steps = int(hours * 60 / every_minutes)
    for step in range(steps):
        moment = start + timedelta(minutes=every_minutes * step + 1.5)
        lead = 1000 + step
        added.append(standin.add_activity("Sync Lead to SFDC", moment, lead_id=lead))
        added.append(
            standin.add_activity(
                "Change Data Value",
                moment + timedelta(seconds=20),
                lead_id=lead,
                primary="Lead Status",
                attributes={"Reason": "SFDC sync", "Source": "Marketo Flow Action"},
            )
        )
        added.append(standin.add_activity("Open Email", moment + timedelta(seconds=30)))
        added.append(
            standin.add_activity("Sync Lead Updates to SFDC", moment + timedelta(seconds=40))
        )
        if step % 3 == 0:
            added.append(standin.add_activity("SFDC Activity", moment + timedelta(seconds=50)))
        if step % 5 == 0:
            added.append(
                standin.add_activity("Push Lead to Marketo", moment + timedelta(minutes=1))
            )
        if step % 7 == 0:
            added.append(
                standin.add_activity("Delete Lead from SFDC", moment + timedelta(minutes=2))
            )
    return added

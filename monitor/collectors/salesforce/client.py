"""The Salesforce connection: how to log in, and calls with retries that count themselves.

Only this module talks to simple-salesforce; its exceptions become SourceError here, in words
a Salesforce admin can act on, and never with a secret in them.
"""

from __future__ import annotations

import random
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceRefusedRequest,
)

from monitor.errors import ConfigError, LimitExceeded, SourceError

COMPOSITE_LIMIT = 25  # subrequests Salesforce accepts in one /composite call ...
COMPOSITE_QUERY_LIMIT = 5  # ... of which at most 5 may be queries
TRANSIENT_CODES = frozenset({"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "QUERY_TIMEOUT"})
REQUEST_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class SalesforceLogin:
    """How to log in, from the environment or Streamlit secrets (names of DESIGN §8)."""

    method: str  # token | password | jwt
    values: Mapping[str, str]

    def describe(self) -> str:
        """What is configured, without any secret."""
        if self.method == "token":
            return f"access token for {self.values['SALESFORCE_INSTANCE_URL']}"
        return f"{self.method} login as {self.values['SALESFORCE_USERNAME']}"


def login_from(secrets: Mapping[str, str]) -> SalesforceLogin | None:
    """The configured login, None when Salesforce is not configured at all."""

    def present(*names: str) -> bool:
        return all(secrets.get(name) for name in names)

    if present("SALESFORCE_INSTANCE_URL", "SALESFORCE_ACCESS_TOKEN"):
        return SalesforceLogin("token", secrets)
    if present("SALESFORCE_USERNAME", "SALESFORCE_CONSUMER_KEY", "SALESFORCE_PRIVATE_KEY_FILE"):
        return SalesforceLogin("jwt", secrets)
    if present("SALESFORCE_USERNAME", "SALESFORCE_PASSWORD"):
        return SalesforceLogin("password", secrets)
    named = sorted(name for name in secrets if name.startswith("SALESFORCE_") and secrets[name])
    if not named or named == ["SALESFORCE_SYNC_USER"]:
        return None
    raise ConfigError(
        f"Salesforce is half configured ({', '.join(named)} set): give SALESFORCE_INSTANCE_URL "
        "and SALESFORCE_ACCESS_TOKEN, or SALESFORCE_USERNAME and SALESFORCE_PASSWORD (with "
        "SALESFORCE_SECURITY_TOKEN), or SALESFORCE_USERNAME, SALESFORCE_CONSUMER_KEY and "
        "SALESFORCE_PRIVATE_KEY_FILE"
    )


def connect(login: SalesforceLogin, api_version: str) -> Salesforce:
    """Log in with simple-salesforce; a refused login is a SourceError without secrets."""
    values = login.values
    domain = values.get("SALESFORCE_DOMAIN") or None
    try:
        if login.method == "token":
            return Salesforce(
                instance_url=values["SALESFORCE_INSTANCE_URL"],
                session_id=values["SALESFORCE_ACCESS_TOKEN"],
                version=api_version,
            )
        if login.method == "jwt":
            return Salesforce(
                username=values["SALESFORCE_USERNAME"],
                consumer_key=values["SALESFORCE_CONSUMER_KEY"],
                privatekey_file=values["SALESFORCE_PRIVATE_KEY_FILE"],
                domain=domain,
                version=api_version,
            )
        return Salesforce(
            username=values["SALESFORCE_USERNAME"],
            password=values["SALESFORCE_PASSWORD"],
            security_token=values.get("SALESFORCE_SECURITY_TOKEN", ""),
            domain=domain,
            version=api_version,
        )
    except SalesforceAuthenticationFailed as exc:
        raise SourceError(
            f"Salesforce refused the {login.method} login ({exc.code}); check the credentials "
            "and that the user is API Enabled"
        ) from None
    except requests.RequestException as exc:
        raise SourceError(f"cannot reach Salesforce: {type(exc).__name__}") from None


class SalesforceClient:
    """Calls with retries (5xx, timeouts, transient codes) that count the HTTP requests made."""

    def __init__(
        self, sf: Salesforce, *, max_attempts: int = 4, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.sf = sf
        self.max_attempts = max_attempts
        self.sleep = sleep
        self.calls = 0
        sf.session.hooks["response"].append(self._count)

    def _count(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.calls += 1

    @property
    def data_path(self) -> str:
        """`/services/data/vXX.X/`, the prefix composite subrequest URLs need."""
        return urllib.parse.urlparse(self.sf.base_url).path

    def _with_retries(self, call: Callable[[], Any], what: str) -> Any:
        for attempt in range(1, self.max_attempts + 1):
            try:
                return call()
            except (SalesforceGeneralError, requests.ConnectionError, requests.Timeout) as exc:
                if attempt == self.max_attempts:
                    raise SourceError(
                        f"Salesforce {what} failed {attempt} times: {_short(exc)}"
                    ) from None
            except SalesforceExpiredSession:
                advice = (
                    "renew SALESFORCE_ACCESS_TOKEN, or log in with a username instead"
                    if self.sf.auth_type == "direct"
                    else "logging in again did not help; check that the user is still active"
                )
                raise SourceError(
                    f"Salesforce says the session is invalid or expired (INVALID_SESSION_ID): "
                    f"{advice}"
                ) from None
            except SalesforceAuthenticationFailed as exc:
                # simple-salesforce logs in again when a session expires; this is that login.
                raise SourceError(
                    f"Salesforce refused the login when the session was renewed ({exc.code}); "
                    "check the credentials and that the user is active and API Enabled"
                ) from None
            except SalesforceRefusedRequest as exc:
                if _code(exc) == "REQUEST_LIMIT_EXCEEDED":
                    raise LimitExceeded(
                        "Salesforce's daily API request limit is used up (REQUEST_LIMIT_EXCEEDED)"
                    ) from None
                raise SourceError(f"Salesforce refused the {what}: {_short(exc)}") from None
            except SalesforceError as exc:
                raise SourceError(f"Salesforce {what} failed: {_short(exc)}") from None
            # Jittered exponential backoff: 1, 2, 4 ... seconds, never in lock-step.
            self.sleep((2 ** (attempt - 1)) * random.uniform(0.5, 1.5))
        raise AssertionError("unreachable")

    def get(self, path: str) -> Any:
        """GET a path under the data URL (e.g. `limits/`)."""
        return self._with_retries(
            lambda: self.sf.restful(path, timeout=REQUEST_TIMEOUT_SECONDS),
            f"GET {path.split('?')[0]}",
        )

    def api_usage(self) -> tuple[int, int] | None:
        """(used, max) daily API requests from the Sforce-Limit-Info header of the last reply:
        the budget, read for free on every call."""
        usage = self.sf.api_usage.get("api-usage")
        return (int(usage.used), int(usage.total)) if usage else None

    def get_text(self, path: str) -> str:
        """GET a path under the data URL whose answer is not JSON (a log file's CSV blob)."""
        url = self.sf.base_url + path
        return self._with_retries(
            lambda: (
                self.sf._call_salesforce(
                    "GET", url, name=path, timeout=REQUEST_TIMEOUT_SECONDS
                ).text
            ),
            f"GET {path.split('?')[0]}",
        )

    def query_all_if_visible(self, soql: str) -> list[dict[str, Any]] | None:
        """Every record of a query, or None when the object is not visible to the user
        (INVALID_TYPE: no such object, or no permission to see it)."""
        try:
            return list(self.sf.query_all(soql)["records"])
        except SalesforceError as exc:
            if _code(exc) in ("INVALID_TYPE", "INSUFFICIENT_ACCESS"):
                return None
        return self.query_all(soql)

    def userinfo(self) -> dict[str, Any]:
        """The connected user (`/services/oauth2/userinfo`)."""
        return self._with_retries(lambda: self.sf.oauth2("userinfo"), "userinfo")

    def remaining_records(self, page: dict[str, Any]) -> list[dict[str, Any]]:
        """The records of a query page plus every page after it (nextRecordsUrl)."""
        records = list(page.get("records", []))
        while not page.get("done", True) and page.get("nextRecordsUrl"):
            url = page["nextRecordsUrl"]
            page = self._with_retries(lambda url=url: self.sf.query_more(url, True), "query")
            records += page.get("records", [])
        return records

    def query_all(self, soql: str) -> list[dict[str, Any]]:
        """Every record of a query, following nextRecordsUrl to the end."""
        result = self._with_retries(lambda: self.sf.query_all(soql), "query")
        return list(result["records"])

    def composite(self, subrequests: Mapping[str, str]) -> dict[str, tuple[int, Any]]:
        """GET subrequests (reference -> path under the data URL) batched in as few /composite
        calls as allowed (one API call each). Returns reference -> (HTTP status, body).
        Subrequests that failed with a transient code are sent again (max_attempts in all)."""
        answers: dict[str, tuple[int, Any]] = {}
        pending = dict(subrequests)
        for attempt in range(1, self.max_attempts + 1):
            for batch in _batches(list(pending.items())):
                body = {
                    "allOrNone": False,
                    "compositeRequest": [
                        {"method": "GET", "url": self.data_path + path, "referenceId": ref}
                        for ref, path in batch
                    ],
                }
                reply = self._with_retries(
                    lambda body=body: self.sf.restful(
                        "composite", method="POST", json=body, timeout=REQUEST_TIMEOUT_SECONDS
                    ),
                    "composite request",
                )
                for item in reply["compositeResponse"]:
                    answers[item["referenceId"]] = (item["httpStatusCode"], item["body"])
            pending = {
                ref: path
                for ref, path in pending.items()
                if subrequest_code(*answers[ref]) in TRANSIENT_CODES
            }
            if not pending:
                break
            self.sleep((2 ** (attempt - 1)) * random.uniform(0.5, 1.5))
        return answers


def _batches(items: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Subrequests packed into as few /composite calls as Salesforce allows: 25 each, at most
    5 of them queries."""
    batches: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    queries = 0
    for ref, path in items:
        is_query = path.startswith(("query", "queryAll"))
        if len(current) == COMPOSITE_LIMIT or (is_query and queries == COMPOSITE_QUERY_LIMIT):
            batches.append(current)
            current, queries = [], 0
        current.append((ref, path))
        queries += is_query
    if current:
        batches.append(current)
    return batches


def subrequest_code(status: int, body: Any) -> str:
    """The errorCode of a failed subrequest ('' when it succeeded)."""
    if status < 400:
        return ""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return str(body[0].get("errorCode", ""))
    return f"HTTP_{status}"


def subrequest_message(body: Any) -> str:
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return str(body[0].get("message", "")).strip()
    return ""


def query_path(soql: str) -> str:
    """The path of a query, for a composite subrequest."""
    return "query?q=" + urllib.parse.quote(soql, safe="")


def _code(exc: SalesforceError) -> str:
    content = getattr(exc, "content", None)
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("errorCode", ""))
    return ""


def _short(exc: SalesforceError | requests.RequestException) -> str:
    """A one-line description of a Salesforce failure: status and errorCode, no payload."""
    status = getattr(exc, "status", None)
    code = _code(exc) if isinstance(exc, SalesforceError) else ""
    parts = [type(exc).__name__]
    if status:
        parts.append(f"HTTP {status}")
    if code:
        parts.append(code)
    return " ".join(parts)

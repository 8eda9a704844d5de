"""The Marketo REST connection: the login, an access token reused until it expires, and calls
that keep Marketo's limits by construction and map its error codes to words an admin can act on.

Only this module talks HTTP to Marketo: the collector reads through `get`, the alert channel
triggers its smart campaign through `trigger_campaign`, and all clients of one subscription in
a process share one rate limiter. Its failures become SourceError subclasses:

    SourceError
    ├── MarketoRefused        one call was refused (603 access denied, 1003 bad value ...);
    │                         the collector reports it and goes on with its other parts
    └── DailyQuotaExceeded    607: the subscription's daily quota is used up; stop for the day

Any other SourceError (the identity service refused the client id and secret, Marketo stayed
unreachable or kept failing after the retries) stops the cycle. No message ever holds the
client secret or an access token: the secret travels in a POST body (never a URL, which
proxies and urllib3's debug log would keep), the token only in the Authorization header, and
messages are built from status codes and Marketo's own error codes, never from an exception's
text (a requests exception quotes the URL).
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from monitor.config.secret_names import MARKETO_VARIABLES
from monitor.errors import ConfigError, DailyQuotaExceeded, MarketoRefused, SourceError

log = logging.getLogger(__name__)

# Marketo's documented limits: 100 calls in any 20 seconds and 10 at once per subscription.
RATE_CALLS = 100
RATE_SECONDS = 20.0
CONCURRENT_CALLS = 10
REQUEST_TIMEOUT_SECONDS = 60
TOKEN_EXPIRED = frozenset({"601", "602"})
RATE_LIMITED = frozenset({"606", "615"})
TRANSIENT = frozenset({"604", "608", "611", "713"})
DAILY_QUOTA = "607"
LEADS_PER_TRIGGER = 100  # leads a campaign trigger call takes
OAUTH_ERROR = re.compile(r"^[a-z_]{1,40}$")


@dataclass(frozen=True)
class MarketoLogin:
    """Where and as whom to call Marketo (names of DESIGN §8); the secret never shows in repr."""

    identity_url: str
    base_url: str
    client_id: str
    client_secret: str = field(repr=False)

    def describe(self) -> str:
        """What is configured, without any secret."""
        return f"API client at {self.base_url}"


def since_datetime(moment: datetime) -> str:
    """`sinceDatetime` as Adobe documents it (`yyyy-mm-ddThh:mm:ss+hh:mm`, whole seconds, in
    UTC: help/rest-api/paging-tokens.md). Cut down to the second, never rounded up: at most a
    second is read again, and activities are kept once by their marketoGUID."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _url(secrets: Mapping[str, str], name: str, suffix: str) -> str:
    value = secrets[name].strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ConfigError(
            f"{name}: expected a URL such as https://123-ABC-456.mktorest.com{suffix} "
            "(Admin > Integration > Web Services, REST API section)"
        )
    return value


def marketo_login_from(secrets: Mapping[str, str]) -> MarketoLogin | None:
    """The configured Marketo login, None when Marketo is not configured at all; a ConfigError
    naming the missing variables when it is half configured."""
    present = [name for name in MARKETO_VARIABLES if secrets.get(name)]
    if not present:
        return None
    missing = [name for name in MARKETO_VARIABLES if name not in present]
    if missing:
        raise ConfigError(
            f"Marketo is half configured: set {', '.join(missing)} too (the identity and REST "
            "URLs are under Admin > Integration > Web Services; the client id and secret under "
            "Admin > Integration > LaunchPoint > View Details)"
        )
    return MarketoLogin(
        identity_url=_url(secrets, "MARKETO_IDENTITY_URL", "/identity"),
        base_url=_url(secrets, "MARKETO_BASE_URL", "/rest"),
        client_id=secrets["MARKETO_CLIENT_ID"].strip(),
        client_secret=secrets["MARKETO_CLIENT_SECRET"].strip(),
    )


class RateLimiter:
    """At most `calls` calls in any `seconds` and `concurrent` at once, counted so that the
    server's view keeps the limit too: a call occupies its slot from before it is sent until
    `seconds` after its answer came back. Marketo counts a call when it arrives, which is after
    we send it and before we have its answer, so any `calls + 1` arrivals are at least
    `seconds` apart. Per process: one collector per Marketo subscription at a time."""

    def __init__(
        self,
        calls: int = RATE_CALLS,
        seconds: float = RATE_SECONDS,
        concurrent: int = CONCURRENT_CALLS,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.calls = calls
        self.seconds = seconds
        self.clock = clock
        self.sleep = sleep
        self.waited_seconds = 0.0  # time spent waiting for a slot (the bench reports it)
        self._at_once = threading.BoundedSemaphore(concurrent)
        self._lock = threading.Lock()
        self._open = 0
        self._finished: deque[float] = deque()

    def _admit(self) -> None:
        while True:
            with self._lock:
                now = self.clock()
                while self._finished and self._finished[0] <= now - self.seconds:
                    self._finished.popleft()
                if self._open + len(self._finished) < self.calls:
                    self._open += 1
                    return
                # Every slot is open or recent: wait for the oldest to leave the window.
                wait = self._finished[0] + self.seconds - now if self._finished else 0.05
            self.waited_seconds += wait
            self.sleep(max(wait, 0.001))

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one call's place for as long as the call runs."""
        with self._at_once:
            self._admit()
            try:
                yield
            finally:
                with self._lock:
                    self._open -= 1
                    self._finished.append(self.clock())


_LIMITERS: dict[str, RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def subscription_limiter(base_url: str) -> RateLimiter:
    """This process's limiter for the subscription at `base_url`: Marketo counts the calls of
    the collector and of the alert channel in one window, so they wait in one line too."""
    key = base_url.rstrip("/").lower()
    with _LIMITERS_LOCK:
        return _LIMITERS.setdefault(key, RateLimiter())


def _backoff(attempt: int, base: float) -> float:
    """Jittered exponential backoff: base, 2 x base, 4 x base ... never in lock-step."""
    return base * (2 ** (attempt - 1)) * random.uniform(0.75, 1.25)


class MarketoClient:
    """Calls under the REST base URL with one reused token, within Marketo's limits.

    `calls` counts the REST calls Marketo received (what its daily quota meters; token requests
    are not metered and are counted apart in `token_requests`). `api_user` is the API-only user
    the client id belongs to, as the identity service names it (the token's `scope`)."""

    def __init__(
        self,
        login: MarketoLogin,
        *,
        session: requests.Session | None = None,
        limiter: RateLimiter | None = None,
        max_attempts: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.login = login
        self.session = session or requests.Session()
        self.limiter = limiter or subscription_limiter(login.base_url)
        self.max_attempts = max_attempts
        self.sleep = sleep
        self.clock = clock
        self.calls = 0
        self.token_requests = 0
        self.api_user = ""
        self._token = ""
        self._expires_at = 0.0
        self._token_lock = threading.Lock()
        self._count_lock = threading.Lock()

    # -- the access token ----------------------------------------------------------------

    def _access_token(self, *, renew_from: str = "") -> str:
        """The current token; a new one when there is none, it has expired, or Marketo just
        refused `renew_from` (601/602). One identity call serves every thread waiting here."""
        with self._token_lock:
            fresh = self._token and self._token != renew_from and self.clock() < self._expires_at
            if not fresh:
                self._fetch_token()
            return self._token

    def _fetch_token(self) -> None:
        url = f"{self.login.identity_url}/oauth/token"
        form = {
            "grant_type": "client_credentials",
            "client_id": self.login.client_id,
            "client_secret": self.login.client_secret,
        }
        for attempt in range(1, self.max_attempts + 1):
            self.token_requests += 1
            try:
                response = self.session.post(url, data=form, timeout=REQUEST_TIMEOUT_SECONDS)
            except requests.RequestException as exc:
                if attempt == self.max_attempts:
                    raise SourceError(
                        f"cannot reach Marketo's identity service at {urlsplit(url).netloc} "
                        f"({type(exc).__name__}, {attempt} attempts)"
                    ) from None
                self.sleep(_backoff(attempt, 1.0))
                continue
            if response.status_code >= 500:
                if attempt == self.max_attempts:
                    raise SourceError(
                        f"Marketo's identity service failed {attempt} times (HTTP "
                        f"{response.status_code})"
                    )
                self.sleep(_backoff(attempt, 1.0))
                continue
            body = _json(response)
            token = body.get("access_token") if isinstance(body, dict) else None
            if response.status_code != 200 or not isinstance(token, str) or not token:
                reason = body.get("error", "") if isinstance(body, dict) else ""
                reason = (
                    f" {reason}" if isinstance(reason, str) and OAUTH_ERROR.match(reason) else ""
                )
                raise SourceError(
                    f"Marketo's identity service refused the client credentials (HTTP "
                    f"{response.status_code}{reason}): check MARKETO_CLIENT_ID and "
                    "MARKETO_CLIENT_SECRET (Admin > Integration > LaunchPoint > View Details) "
                    "and that the API-only user is active"
                )
            lifetime = body.get("expires_in")
            seconds = float(lifetime) if isinstance(lifetime, int | float) else 3600.0
            self._token = token
            self._expires_at = self.clock() + seconds
            self.api_user = str(body.get("scope") or "")
            return
        raise AssertionError("unreachable")

    # -- calls ---------------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """GET `path` under the REST base URL (e.g. `v1/activities.json`) and return the body
        of a successful answer; retries what Marketo says to retry, raises the rest."""
        return self._call("GET", path, params=params)

    def post_json(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST a JSON `body` to `path` under the REST base URL; the same token, limits,
        retries and errors as `get`."""
        return self._call("POST", path, payload=body)

    def trigger_campaign(
        self, campaign_id: int, lead_ids: Sequence[int], tokens: Mapping[str, str]
    ) -> dict[str, Any]:
        """Run up to 100 leads through a smart campaign whose trigger is "Campaign is
        Requested" (source Web Service API), with program My Tokens such as
        {"{{my.AlertTitle}}": "..."}. One call; more leads are the caller's to split."""
        if not 0 < len(lead_ids) <= LEADS_PER_TRIGGER:
            raise ValueError(f"a campaign trigger takes 1 to {LEADS_PER_TRIGGER} leads")
        body = {
            "input": {
                "leads": [{"id": int(lead)} for lead in lead_ids],
                "tokens": [{"name": name, "value": value} for name, value in tokens.items()],
            }
        }
        return self.post_json(f"v1/campaigns/{int(campaign_id)}/trigger.json", body)

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        payload: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        # A POST is retried like a GET: a refusal (606, 615, 601 ...) ran nothing, and after a
        # lost answer or a 5xx its caller could only send it again too (a campaign trigger
        # may then run twice, which beats an alert never sent).
        url = f"{self.login.base_url}/{path.lstrip('/')}"
        what = f"{method} /rest/{path.lstrip('/')}"
        renewed = False
        attempt = 0
        token = self._access_token()
        while True:
            attempt += 1
            with self.limiter.slot():
                try:
                    response = self.session.request(
                        method,
                        url,
                        params=params,
                        json=payload,
                        headers={"Authorization": f"Bearer {token}"},
                        timeout=REQUEST_TIMEOUT_SECONDS,
                    )
                except requests.RequestException as exc:  # its text quotes the URL: not used
                    response = None
                    failure = type(exc).__name__
            if response is None:
                self._retry_or_raise(attempt, 1.0, what, failure)
                continue
            with self._count_lock:
                self.calls += 1
            if response.status_code >= 500:
                self._retry_or_raise(attempt, 1.0, what, f"HTTP {response.status_code}")
                continue
            answer = _json(response)
            if response.status_code != 200 or not isinstance(answer, dict):
                raise MarketoRefused(
                    f"Marketo answered {what} with HTTP {response.status_code} and no JSON body"
                )
            if answer.get("success") is True:
                return answer
            code, message = _first_error(answer)
            if code in TOKEN_EXPIRED:
                if renewed:
                    raise SourceError(
                        f"Marketo refused a freshly issued access token ({code} {message}): "
                        "check that the API-only user and its custom service are still active"
                    )
                # The token expired or was revoked early: one new token, then the same call.
                renewed = True
                attempt -= 1
                token = self._access_token(renew_from=token)
                continue
            if code == DAILY_QUOTA:
                raise DailyQuotaExceeded(
                    f"Marketo's daily API quota is used up ({code} {message}): the monitor "
                    "stops calling until the quota resets at 00:00 US Central time; see Admin > "
                    "Web Services > API Call Information for who used it"
                )
            if code in RATE_LIMITED:
                # The subscription's limits are shared with every other integration: when
                # they (not we) fill the window, wait for it to pass.
                base = RATE_SECONDS / 5 if code == "606" else 1.0
                self._retry_or_raise(attempt, base, what, f"{code} {message}")
                continue
            if code in TRANSIENT:
                self._retry_or_raise(attempt, 1.0, what, f"{code} {message}")
                continue
            raise MarketoRefused(_refusal(what, code, message), code=code)

    def _retry_or_raise(self, attempt: int, base: float, what: str, reason: str) -> None:
        if attempt >= self.max_attempts:
            raise SourceError(f"Marketo: {what} failed {attempt} times ({reason})")
        seconds = _backoff(attempt, base)
        log.info("marketo: %s: %s; retrying in %.1f s", what, reason, seconds)
        self.sleep(seconds)


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _first_error(body: dict[str, Any]) -> tuple[str, str]:
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        message = " ".join(str(errors[0].get("message", "")).split())[:160]
        return str(errors[0].get("code", "")), message
    return "", "success is false without an error code"


def _refusal(what: str, code: str, message: str) -> str:
    if code == "603":
        return (
            f"Marketo denied {what} (603 Access denied): give the API-only user's role the "
            "permission this call needs (Admin > Users & Roles; e.g. Read-Only Activity for "
            "activities, Read-Only Activity Metadata for activity types, Execute Campaign for "
            "a campaign trigger), or allow this machine's IP address if IP-based API access is "
            "restricted"
        )
    return f"Marketo refused {what} ({f'{code} ' if code else ''}{message})"

"""A loopback HTTPS stand-in of the Salesforce REST API that replays real payloads.

The real ``simple_salesforce.Salesforce`` client runs against it unchanged::

    with SalesforceStandIn(REAL_SALESFORCE) as standin:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", standin.ca_bundle)
        sf = Salesforce(instance_url=standin.url, session_id=standin.token, version="59.0")

Describes, describeGlobal and limits come from ``tests/fixtures/real/salesforce/``;
query answers are built from the scripted state (``counts``, ``modifiers``,
``modifications``, ``users``, ``field_permissions``, ``object_permissions``, ``audit_trail``,
``login_history``) in the shapes those real payloads show.
Error bodies follow the real ``[{"message": ..., "errorCode": ...}]`` arrays. Where a
message text is invented (no real sample in the fixtures) the comment says so.

It also answers the two username logins simple-salesforce makes, so that a client can log in
instead of being handed ``token``: the SOAP ``login()`` call (``POST /services/Soap/u/59.0``,
password + security token) and the OAuth 2.0 JWT bearer grant (``POST /services/oauth2/token``).
Clients address those to https://login.salesforce.com (or test.salesforce.com) and then to the
org's instance, https://acme.my.salesforce.com: the certificate names those hosts, and
``tests.standins.proxy.TunnelProxy`` (as ``HTTPS_PROXY``) brings them to the loopback port::

    with SalesforceStandIn() as standin, TunnelProxy(standin.port) as proxy:
        standin.logins[SYNC_USERNAME] = "password" + "security-token"
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", standin.ca_bundle)
        sf = Salesforce(username=SYNC_USERNAME, password="password",
                        security_token="security-token", version="59.0")
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlsplit
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import jwt

from tests.standins import salesforce_hygiene, salesforce_records
from tests.standins.https import Incoming, LoopbackStandIn, Reply
from tests.standins.soql import Soql, TimeCondition

REAL_SALESFORCE = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "salesforce"
SYNC_USER_ID = "005000000000001AAA"
SYNC_USERNAME = "sync@acme.example"
ORGANIZATION_ID = "00D000000000001AAA"
# Where logins go (simple-salesforce's domain "login" or "test"), and the org's My Domain that
# a login sends the client on to. The stand-in's certificate names all of them.
LOGIN_HOSTS = ("login.salesforce.com", "test.salesforce.com")
INSTANCE_HOST = "acme.my.salesforce.com"
SALESFORCE_HOSTS = (*LOGIN_HOSTS, INSTANCE_HOST)
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# The audiences Salesforce accepts in a JWT bearer assertion (its authorization servers).
JWT_AUDIENCES = tuple(f"https://{host}" for host in LOGIN_HOSTS)

# Documented Salesforce limits of POST /composite: 25 subrequests, of which at most 5 may
# be query operations (Query, QueryAll, query-more) or sObject Collections.
MAX_SUBREQUESTS = 25
MAX_QUERY_SUBREQUESTS = 5

# Objects the stand-in answers queries on without a describe (it has none to give for them).
_SETUP_OBJECTS = (
    "User",
    "FieldPermissions",
    "ObjectPermissions",
    "PermissionSet",
    "PermissionSetAssignment",
)
_LOG_OBJECTS = ("SetupAuditTrail", "LoginHistory")
_UNDESCRIBED = (
    "FieldPermissions",
    "ObjectPermissions",
    "PermissionSet",
    "PermissionSetAssignment",
    *_LOG_OBJECTS,
)
_ID_PREFIX = {
    "FieldPermissions": "01k",
    "ObjectPermissions": "110",
    "PermissionSetAssignment": "0Pa",
}
# The sObject a relationship field of a log or setup record points to.
_RELATED = {"PermissionSet": "PermissionSet", "Profile": "Profile"}
# The field each log object is ordered and windowed on.
_LOG_TIME = {
    "SetupAuditTrail": "CreatedDate",
    "LoginHistory": "LoginTime",
    "EventLogFile": "LogDate",
}


def error(error_code: str, message: str) -> list[dict[str, str]]:
    """The body Salesforce sends with a 4xx/5xx: a one-element array."""
    return [{"message": message, "errorCode": error_code}]


NOT_FOUND = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
INVALID_SESSION = error("INVALID_SESSION_ID", "Session expired or invalid")
# What a query on SetupAuditTrail (needs View Setup and Configuration) or on other users'
# LoginHistory (needs Manage Users) is answered with when the user lacks the permission.
# No real sample in the fixtures, and Salesforce documents the permissions, not the reply:
# INSUFFICIENT_ACCESS is one of the API's documented exception codes; HTTP 403 and the
# message text are this stand-in's choice (invented). Two real behaviours it does not cover:
# an object hidden from the user may come back as 400 INVALID_TYPE ("sObject type ... is not
# supported"; script that with fail_subrequest), and since API 37.0 every user may read its
# *own* LoginHistory, so without Manage Users a query on another user may come back empty
# instead of refused.
INSUFFICIENT_ACCESS = (
    403,
    error(
        "INSUFFICIENT_ACCESS",
        "Insufficient Privileges: You do not have the level of access necessary to perform"
        " the operation you requested.",
    ),
)


def load_fixture(name: str, directory: Path = REAL_SALESFORCE) -> Any:
    """Parse one real payload from the fixtures directory."""
    return json.loads((directory / name).read_text(encoding="utf-8"))


def lead_describe_with_formula(
    name: str = "Lead_Age__c",
    formula: str = "TODAY() - DATEVALUE(CreatedDate)",
    directory: Path = REAL_SALESFORCE,
) -> dict:
    """The real Lead describe plus one formula field, cloned from its first double field.

    The flags that differ from the clone are those of the real formula field in
    sobject_describe_account_with_formula_field_v53.json.
    """
    describe = load_fixture("sobject_describe_lead_v59.json", directory)
    template = next(field for field in describe["fields"] if field["type"] == "double")
    formula_field = copy.deepcopy(template)
    formula_field.update(
        name=name,
        label=name.removesuffix("__c").replace("_", " "),
        calculated=True,
        calculatedFormula=formula,
        updateable=False,
        createable=False,
        custom=True,
        nillable=True,
        defaultedOnCreate=False,
        compoundFieldName=None,  # the template (Latitude) belongs to Address
        formulaTreatNullNumberAsZero=True,
    )
    describe["fields"].append(formula_field)
    return describe


@dataclass(frozen=True)
class Recorded:
    """One request the stand-in received (or one composite subrequest)."""

    method: str
    path: str  # without the query string
    query: dict[str, str]  # last value of each query parameter
    json: Any  # the parsed JSON body, or None
    host: str = ""  # the Host header (empty for composite subrequests)

    @property
    def soql(self) -> str | None:
        return self.query.get("q")


@dataclass
class _Failure:
    status: int
    body: Any
    times: int
    match: str = ""
    after: int = 0  # requests to let through first


class SalesforceStandIn(LoopbackStandIn):
    """Salesforce REST API on https://127.0.0.1:PORT, for simple-salesforce in tests.

    Tests script the org by setting attributes before the client calls:
    ``counts[(object, "others"|"sync")]`` answers SELECT COUNT() (default 0);
    ``modifiers[object] = [(user_id, user_name, records)]`` answers the GROUP BY
    LastModifiedById query whatever its window; ``modifications[object] = [(SystemModstamp,
    user_id, user_name, records)]`` adds to that answer the records changed inside the
    query's SystemModstamp (or LastModifiedDate) window; ``describes``, ``users`` (by
    username), ``me`` (userinfo), ``field_permissions``, ``object_permissions``, ``limits`` and
    ``page_size`` (rows per query page before nextRecordsUrl). ``max_query_subrequests`` is
    Salesforce's own composite limit (5); raise it only to show what a too-big composite would
    do. ``records[object]`` (dicts of field values) answer the hygiene pass's aggregate queries
    (fill counts, duplicate values, value counts; see ``salesforce_hygiene``).

    ``audit_trail`` (SetupAuditTrail records: Id, CreatedDate as Salesforce writes it, e.g.
    "2026-11-20T14:57:12.000+0000", CreatedBy {"Username": ...}, Action, Section, Display) and
    ``login_history`` (Id, UserId, LoginTime, Status, LoginType, SourceIp) answer queries on
    those objects, filtered by their time window and string conditions (UserId); set
    ``audit_refused`` or ``login_history_refused`` to answer them with INSUFFICIENT_ACCESS.
    ``delay_seconds`` slows every HTTP request down (to land a kill mid-run).

    Logins: ``logins[username] = password + security_token`` lets that user log in with SOAP
    ``login()``; ``connected_apps[consumer_key] = public_key`` (PEM or a ``cryptography`` key)
    lets a JWT bearer assertion signed with the matching private key log in any user in
    ``users``. Each login issues a new session id and sends the client on to
    ``instance_host``; the stand-in accepts ``token`` and every session it issued until
    ``expire_sessions()``. Logins are recorded in ``login_requests``, not in ``requests``
    (they do not count against the API budget), and ``fail_next`` does not touch them.
    """

    def __init__(self, directory: Path = REAL_SALESFORCE, api_version: str = "59.0") -> None:
        self.directory = Path(directory)
        self.api_version = api_version
        self.token = f"{ORGANIZATION_ID}!{secrets.token_urlsafe(24)}"
        self.requests: list[Recorded] = []
        self.subrequests: list[Recorded] = []
        self.counts: dict[tuple[str, str], int] = {}
        self.modifiers: dict[str, list[tuple[str, str, int]]] = {}
        self.modifications: dict[str, list[tuple[datetime, str, str, int]]] = {}
        self.describes: dict[str, dict] = {
            "Lead": load_fixture("sobject_describe_lead_v59.json", self.directory),
            "Account": load_fixture(
                "sobject_describe_account_with_formula_field_v53.json", self.directory
            ),
            "Contact": load_fixture("sobject_describe_contact.json", self.directory),
        }
        self.users: dict[str, dict] = {
            SYNC_USERNAME: {"Id": SYNC_USER_ID, "Username": SYNC_USERNAME, "Name": "Marketo Sync"}
        }
        self.me = SYNC_USER_ID
        self.field_permissions: list[dict] = []
        self.object_permissions: list[dict] = []
        self.permission_set_assignments: list[dict] = []
        # Answered to sobjects/PermissionSet/describe (not listed in describeGlobal).
        self.permission_set_describe: dict = load_fixture(
            "permissionset_describe_auth_fields.json", self.directory
        )
        self.audit_trail: list[dict] = []
        self.audit_refused = False
        self.login_history: list[dict] = []
        self.login_history_refused = False
        self.users_refused = False  # a User query beyond the sync user's own row: refused
        # OauthToken rows ({"Id", "UserId", "AppName", "UseCount", "LastUsedDate",
        # "CreatedDate"}) and ConnectedApplication rows ({"Id", "Name",
        # "OptionsAllowAdminApprovedUsersOnly"}); None: the object is not visible to the user
        # (INVALID_TYPE). Script refusals of either with fail_subrequest.
        self.oauth_tokens: list[dict] = []
        self.connected_applications: list[dict] | None = []
        # EventLogFile records and their LogFile CSV blobs by Id; None: the object is not
        # visible to the user (INVALID_TYPE, as without the View Event Log Files permission).
        self.event_log_files: list[dict] | None = None
        self.event_log_blobs: dict[str, str] = {}
        self.delay_seconds = 0.0
        self.limits: dict = load_fixture("limits_response_devorg.json", self.directory)
        self.page_size = 2000
        self.max_query_subrequests = MAX_QUERY_SUBREQUESTS
        self.records: dict[str, list[dict]] = {}
        self._global = load_fixture("describe_global_subset.json", self.directory)
        self._contact_describe = self.describes["Contact"]
        self._lock = threading.Lock()
        self._failures: list[_Failure] = []
        self._subrequest_failures: list[_Failure] = []
        self._cursors: dict[str, list[dict]] = {}
        self.logins: dict[str, str] = {}
        self.connected_apps: dict[str, Any] = {}
        self.instance_host = INSTANCE_HOST
        self.login_requests: list[Recorded] = []
        self._issued: set[str] = set()
        self._expired: set[str] = set()
        self._serve(self._dispatch, SALESFORCE_HOSTS)

    def secrets(self) -> dict[str, str]:
        """The SALESFORCE_* settings that point a client at this stand-in with its token."""
        return {"SALESFORCE_INSTANCE_URL": self.url, "SALESFORCE_ACCESS_TOKEN": self.token}

    def calls(self) -> int:
        """HTTP requests received so far; a composite request is one call."""
        with self._lock:
            return len(self.requests)

    def composite_calls(self) -> int:
        """POST /composite requests received so far."""
        with self._lock:
            return sum(r.path.rstrip("/").endswith("/composite") for r in self.requests)

    def expire_sessions(self) -> None:
        """Make every session id issued so far (``token`` included) invalid, as a timeout or a
        revoked session would: the next API call is answered 401 INVALID_SESSION_ID."""
        with self._lock:
            self._expired |= self._issued | {self.token}
            self._issued.clear()

    def soap_logins(self) -> int:
        """SOAP login() calls received so far, refused ones included."""
        with self._lock:
            return sum("/services/Soap/u/" in r.path for r in self.login_requests)

    def fail_next(self, status: int, body: Any = "", times: int = 1, after: int = 0) -> None:
        """Answer the next ``times`` requests (after letting ``after`` through), whatever their
        path, with this status and body.

        ``body``: str is sent as text/html (e.g. a gateway's error page), bytes as they
        are, None or "" as an empty body, anything else as JSON.
        """
        with self._lock:
            self._failures.append(_Failure(status, body, times, after=after))

    def fail_subrequest(
        self, match: str, status: int, error_code: str, message: str, times: int = 1
    ) -> None:
        """Inside /composite, fail the next ``times`` subrequests whose url contains ``match``."""
        with self._lock:
            self._subrequest_failures.append(
                _Failure(status, error(error_code, message), times, match)
            )

    # -- transport ---------------------------------------------------------------

    def _dispatch(self, incoming: Incoming) -> Reply:
        split = urlsplit(incoming.target)
        query = _query_dict(split.query)
        try:
            payload = json.loads(incoming.body) if incoming.body else None
        except ValueError:
            payload = None
        if self.delay_seconds:
            # Before the request is recorded: calls() counts requests about to be answered.
            time.sleep(self.delay_seconds)
        host = incoming.headers.get("host", "")
        if _is_login_path(split.path):
            with self._lock:
                self.login_requests.append(Recorded(incoming.method, split.path, query, None, host))
            return self._login(incoming, split.path)
        with self._lock:
            self.requests.append(Recorded(incoming.method, split.path, query, payload, host))
            used = len(self.requests)
            failure = _take(self._failures, lambda _: True)
        headers = [("Sforce-Limit-Info", f"api-usage={used}/{self._daily_api_max()}")]
        if failure is not None:
            return _reply(failure.status, failure.body, headers)
        if not self._is_session(incoming.headers.get("authorization", "")):
            return _reply(401, INVALID_SESSION, headers)
        if split.path.rstrip("/") == f"{self._prefix}composite":
            if incoming.method != "POST":
                return _reply(*_method_not_allowed(incoming.method, "POST"), headers)
            if incoming.body and payload is None:
                return _reply(400, error("JSON_PARSER_ERROR", "Invalid JSON body"), headers)
            return _reply(*self._composite(payload), headers)
        return _reply(*self._route(incoming.method, split.path, query), headers)

    def _is_session(self, authorization: str) -> bool:
        scheme, _, session_id = authorization.partition(" ")
        with self._lock:
            known = session_id == self.token or session_id in self._issued
            return scheme == "Bearer" and known and session_id not in self._expired

    def _daily_api_max(self) -> int:
        return int(self.limits.get("DailyApiRequests", {}).get("Max", 15000))

    @property
    def _prefix(self) -> str:
        return f"/services/data/v{self.api_version}/"

    # -- logins ------------------------------------------------------------------

    def _login(self, incoming: Incoming, path: str) -> Reply:
        """Answer a SOAP login() or an OAuth token request (both POST only)."""
        if incoming.method != "POST":
            return _reply(*_method_not_allowed(incoming.method, "POST"), [])
        host = incoming.headers.get("host", "").split(":")[0]
        if path.rstrip("/") == "/services/oauth2/token":
            return _reply(*self._token_grant(incoming.body, host), [])
        status, xml = self._soap_login(incoming.body, path.rstrip("/").rsplit("/", 1)[-1], host)
        return Reply(status, xml.encode(), "text/xml;charset=UTF-8")

    def _new_session(self) -> str:
        session_id = f"{ORGANIZATION_ID}!{secrets.token_urlsafe(24)}"
        with self._lock:
            self._issued.add(session_id)
        return session_id

    def _soap_login(self, body: bytes, version: str, host: str) -> tuple[int, str]:
        """login() of the partner API: a loginResponse, or the INVALID_LOGIN LoginFault."""
        try:
            request = ElementTree.fromstring(body)
        except ElementTree.ParseError:
            return 500, _LOGIN_FAULT
        username = request.findtext(f".//{{{_PARTNER}}}username")
        password = request.findtext(f".//{{{_PARTNER}}}password")
        if username is None or password is None or self.logins.get(username) != password:
            return 500, _LOGIN_FAULT
        user = self.users.get(username, {})
        organization = ORGANIZATION_ID[:15]  # login() returns the 15-character id in URLs
        values = {
            "metadataServerUrl": (
                f"https://{self.instance_host}/services/Soap/m/{version}/{organization}"
            ),
            "passwordExpired": "false",
            "sandbox": str(host == "test.salesforce.com").lower(),
            "serverUrl": f"https://{self.instance_host}/services/Soap/u/{version}/{organization}",
            "sessionId": self._new_session(),
            "userId": user.get("Id", self.me),
        }
        info = {
            "organizationId": ORGANIZATION_ID,
            "organizationName": "Acme",
            "sessionSecondsValid": "7200",
            "userFullName": user.get("Name", username),
            "userId": user.get("Id", self.me),
            "userName": username,
        }
        result = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in values.items())
        result += "<userInfo>"
        result += "".join(f"<{k}>{escape(v)}</{k}>" for k, v in info.items())
        result += "</userInfo>"
        return 200, (
            '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope'
            ' xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
            f' xmlns="{_PARTNER}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<soapenv:Body><loginResponse><result>{result}</result></loginResponse>"
            "</soapenv:Body></soapenv:Envelope>"
        )

    def _token_grant(self, body: bytes, host: str) -> tuple[int, Any]:
        """The OAuth 2.0 JWT bearer grant: an access token, or Salesforce's OAuth error."""
        form = _query_dict(body.decode("utf-8", "replace"))
        if form.get("grant_type") != JWT_BEARER_GRANT:
            # Only the JWT bearer grant is scripted; this is the OAuth 2.0 (RFC 6749) code.
            return _oauth_error("unsupported_grant_type", "grant type not supported")
        assertion = form.get("assertion", "")
        try:
            claims = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            return _oauth_error("invalid_grant", "invalid assertion")
        public_key = self.connected_apps.get(str(claims.get("iss")))
        if public_key is None:
            return _oauth_error("invalid_client_id", "client identifier invalid")
        try:
            jwt.decode(
                assertion,
                public_key,
                algorithms=["RS256"],
                audience=list(JWT_AUDIENCES),
                issuer=str(claims["iss"]),
                options={"require": ["iss", "sub", "aud", "exp"]},
            )
        except jwt.InvalidAudienceError:
            return _oauth_error("invalid_grant", "audience is invalid")
        except jwt.ExpiredSignatureError:
            return _oauth_error("invalid_grant", "expired authorization code")
        except jwt.PyJWTError:
            # A signature the connected app's certificate does not verify, among others.
            return _oauth_error("invalid_grant", "invalid assertion")
        user = self.users.get(str(claims["sub"]))
        if user is None:
            # Invented: no real sample of the answer for a username the org does not have.
            return _oauth_error("invalid_grant", "invalid assertion")
        return 200, {
            "access_token": self._new_session(),
            "scope": "api",
            "instance_url": f"https://{self.instance_host}",
            "id": f"https://{host or LOGIN_HOSTS[0]}/id/{ORGANIZATION_ID}/{user['Id']}",
            "token_type": "Bearer",
        }

    # -- routing -----------------------------------------------------------------

    def _route(self, method: str, path: str, query: dict[str, str]) -> tuple[int, Any]:
        """Answer one GET, top-level or inside /composite: (status, JSON body)."""
        if path.rstrip("/") == "/services/oauth2/userinfo":
            return (200, self._userinfo()) if method == "GET" else _method_not_allowed(method)
        if not path.startswith(self._prefix):
            return 404, NOT_FOUND
        resource = path[len(self._prefix) :].rstrip("/")
        if method != "GET":
            return _method_not_allowed(method)
        if resource == "sobjects":
            return 200, self._describe_global()
        if match := re.fullmatch(r"sobjects/(\w+)/describe", resource):
            describe = self._describe(match.group(1))
            return (200, describe) if describe is not None else (404, NOT_FOUND)
        if resource == "limits":
            return 200, self.limits
        if match := re.fullmatch(r"sobjects/EventLogFile/(\w+)/LogFile", resource):
            blob = self.event_log_blobs.get(match.group(1))
            return (200, blob.encode()) if blob is not None else (404, NOT_FOUND)
        if resource in ("query", "queryAll"):
            return self._query(query.get("q", ""))
        if match := re.fullmatch(r"(?:query|queryAll)/(\w+)-(\d+)", resource):
            return self._next_page(match.group(1), int(match.group(2)))
        return 404, NOT_FOUND

    def _composite(self, payload: Any) -> tuple[int, Any]:
        subrequests = payload.get("compositeRequest") if isinstance(payload, dict) else None
        if not isinstance(subrequests, list) or not subrequests:
            # Invented message: no real sample of this error in the fixtures.
            return 400, error("JSON_PARSER_ERROR", "compositeRequest is required")
        if len(subrequests) > MAX_SUBREQUESTS:
            # Invented message; the 25-subrequest limit itself is Salesforce's.
            return 400, error(
                "LIMIT_EXCEEDED",
                f"Composite requests are limited to {MAX_SUBREQUESTS} subrequests",
            )
        queries = sum(1 for sub in subrequests if _is_query_url(str(sub.get("url", ""))))
        if queries > self.max_query_subrequests:
            # Invented message; the limit of 5 query subrequests is Salesforce's.
            return 400, error(
                "LIMIT_EXCEEDED",
                f"Composite requests are limited to {self.max_query_subrequests} query subrequests",
            )
        bad_ids = [
            sub.get("referenceId")
            for sub in subrequests
            if not re.fullmatch(r"[A-Za-z0-9_]+", str(sub.get("referenceId") or ""))
        ]
        if bad_ids:
            # Salesforce: referenceIds hold only letters, numbers and underscores (the
            # Composite Subrequest Result docs). The message text is invented.
            return 400, error("INVALID_REFERENCE_ID", f"Invalid reference id: {bad_ids[0]!r}")
        answers = [self._subrequest(sub) for sub in subrequests]
        if payload.get("allOrNone") and any(a["httpStatusCode"] >= 400 for a in answers):
            # As in composite_allornone_failure_processing_halted.json.
            halted = [
                {
                    "errorCode": "PROCESSING_HALTED",
                    "message": "The transaction was rolled back since another operation"
                    " in the same transaction failed.",
                }
            ]
            for answer in answers:
                if answer["httpStatusCode"] < 400:
                    answer.update(body=halted, httpStatusCode=400)
        return 200, {"compositeResponse": answers}

    def _subrequest(self, sub: dict) -> dict:
        url = str(sub.get("url", ""))
        method = str(sub.get("method", "GET")).upper()
        split = urlsplit(url)
        query = _query_dict(split.query)
        with self._lock:
            self.subrequests.append(Recorded(method, split.path, query, sub.get("body")))
            failure = _take(
                self._subrequest_failures,
                lambda f: f.match in url or f.match in unquote_plus(url),
            )
        if failure is not None:
            status, body = failure.status, failure.body
        elif split.path.startswith("/services/oauth2/"):
            status, body = 404, NOT_FOUND  # composite only reaches /services/data
        else:
            status, body = self._route(method, split.path, query)
        return {
            "body": body,
            "httpHeaders": {},
            "httpStatusCode": status,
            "referenceId": sub.get("referenceId"),
        }

    # -- describes -----------------------------------------------------------------

    def _canonical(self, name: str) -> str | None:
        """The org's spelling of an object name (Salesforce matches them case-insensitively)."""
        known = [
            *self.describes,
            *(entry["name"] for entry in self._global["sobjects"]),
            *(sobject for sobject, _ in self.counts),
            *self.modifiers,
            *self.modifications,
            *self.records,
            *_SETUP_OBJECTS,
            *_LOG_OBJECTS,
            *(["EventLogFile"] if self.event_log_files is not None else []),
            "OauthToken",
            *(["ConnectedApplication"] if self.connected_applications is not None else []),
        ]
        return next((k for k in known if k.lower() == name.lower()), None)

    def _describe(self, name: str) -> dict | None:
        canonical = self._canonical(name)
        if canonical in self.describes:
            return self.describes[canonical]
        if canonical == "PermissionSet":
            return self.permission_set_describe
        # A Contact-shaped describe of FieldPermissions would mislead: 404 unless scripted.
        if canonical is None or canonical in _UNDESCRIBED:
            return None
        return self._derived_describe(canonical)

    def _derived_describe(self, name: str) -> dict:
        """The Contact describe renamed: enough for objects the test did not script."""
        entry = self._global_entry(name)
        describe = copy.deepcopy(self._contact_describe)
        describe.update(
            name=name,
            label=entry["label"],
            labelPlural=entry["labelPlural"],
            keyPrefix=entry["keyPrefix"],
            custom=entry["custom"],
            urls=entry["urls"],
        )
        return describe

    def _global_entry(self, name: str) -> dict:
        for entry in self._global["sobjects"]:
            if entry["name"] == name:
                return _with_version(entry, self.api_version)
        contact = next(e for e in self._global["sobjects"] if e["name"] == "Contact")
        entry = json.loads(json.dumps(contact).replace("Contact", name))
        entry.update(
            label=name.removesuffix("__c").replace("_", " "),
            labelPlural=name.removesuffix("__c").replace("_", " "),
            custom=name.endswith("__c"),
            keyPrefix=self.describes.get(name, {}).get("keyPrefix"),
        )
        return _with_version(entry, self.api_version)

    def _describe_global(self) -> dict:
        """describe_global_subset.json at this API version, plus any scripted describes."""
        result = {key: value for key, value in self._global.items() if key != "sobjects"}
        names = [entry["name"] for entry in self._global["sobjects"]]
        names += [name for name in self.describes if name not in names]
        result["sobjects"] = [self._global_entry(name) for name in names]
        return result

    def _userinfo(self) -> dict:
        user = next((u for u in self.users.values() if u["Id"] == self.me), {})
        return {
            "sub": f"https://login.salesforce.com/id/{ORGANIZATION_ID}/{self.me}",
            "user_id": self.me,
            "organization_id": ORGANIZATION_ID,
            "preferred_username": user.get("Username"),
            "name": user.get("Name"),
        }

    # -- queries -------------------------------------------------------------------

    def _query(self, text: str) -> tuple[int, Any]:
        soql = Soql(text)
        source = soql.sobject
        if source is None:
            return _malformed(soql)
        sobject = self._canonical(source[0])
        if sobject is None:
            row, column = soql.position(source[1])
            # Same text as the real INVALID_TYPE in composite_partial_failure_invalid_type.json.
            return 400, error(
                "INVALID_TYPE",
                f"\n{text}\n{' ' * (column - 1)}^\nERROR at Row:{row}:Column:{column}\n"
                f"sObject type '{source[0]}' is not supported. If you are attempting to use"
                " a custom object, be sure to append the '__c' after the entity name."
                " Please reference your WSDL or the describe call for the appropriate names.",
            )
        if soql.is_count:
            return 200, {"totalSize": self._count(sobject, soql), "done": True, "records": []}
        if soql.is_grouped and any(
            item.expression.lower() == "lastmodifiedbyid" for item in soql.select_items
        ):
            return 200, self._first_page(self._modifier_rows(sobject, soql))
        if sobject == "User":
            if self.users_refused and " IN (" in text:
                return INSUFFICIENT_ACCESS
            return 200, self._first_page(self._user_rows(soql))
        if sobject == "FieldPermissions":
            return 200, self._first_page(
                self._permission_rows(sobject, self.field_permissions, soql)
            )
        if sobject == "PermissionSetAssignment":
            # Scripted as {"Id", "AssigneeId", "PermissionSet": {"Label", "IsOwnedByProfile",
            # "Permissions...": bool}}; only the selected PermissionSet fields come back.
            rows = self._permission_rows(sobject, self.permission_set_assignments, soql)
            return 200, self._first_page([self._projected(sobject, r, soql) for r in rows])
        if sobject == "ObjectPermissions":
            rows = self._permission_rows(sobject, self.object_permissions, soql)
            return 200, self._first_page(rows)
        if sobject in ("OauthToken", "ConnectedApplication"):
            scripted = self.oauth_tokens if sobject == "OauthToken" else self.connected_applications
            rows = self._permission_rows(sobject, scripted or [], soql)
            return 200, self._first_page([self._projected(sobject, r, soql) for r in rows])
        if sobject == "SetupAuditTrail":
            if self.audit_refused:
                return INSUFFICIENT_ACCESS
            return 200, self._first_page(self._log_rows(sobject, self.audit_trail, soql))
        if sobject == "EventLogFile":
            rows = self._log_rows(sobject, self.event_log_files or [], soql)
            return 200, self._first_page(rows)
        if sobject == "LoginHistory":
            if self.login_history_refused:
                return INSUFFICIENT_ACCESS
            return 200, self._first_page(self._log_rows(sobject, self.login_history, soql))
        if sobject in ("Lead", "Contact") and not soql.is_grouped:
            answered = salesforce_records.answer(
                sobject, soql, self._describe(sobject), self.records.get(sobject, [])
            )
            if answered is not None:
                if answered[0] != 200:
                    return answered
                rows = [self._projected(sobject, r, soql) for r in answered[1]]
                return 200, self._first_page(rows)
        hygiene = salesforce_hygiene.answer(
            sobject, soql, self._describe(sobject), self.records.get(sobject, [])
        )
        return hygiene if hygiene is not None else _malformed(soql)

    def _count(self, sobject: str, soql: Soql) -> int:
        for condition in soql.conditions:
            if condition.field.lower() == "lastmodifiedbyid" and condition.operator == "!=":
                return self.counts.get((sobject, "others"), 0)
            if condition.field.lower() == "lastmodifiedbyid" and condition.operator == "=":
                return self.counts.get((sobject, "sync"), 0)
        # No filter on the modifier: everybody's records.
        return self.counts.get((sobject, "others"), 0) + self.counts.get((sobject, "sync"), 0)

    def _modifier_rows(self, sobject: str, soql: Soql) -> list[dict]:
        rows = list(self.modifiers.get(sobject, [])) + self._modified_in_window(sobject, soql)
        for condition in soql.conditions:
            if condition.field.lower() == "lastmodifiedbyid":
                keep = condition.operator in ("=", "IN")
                rows = [row for row in rows if (row[0] in condition.values) == keep]
        if order := soql.count_order:
            rows.sort(key=lambda row: row[2], reverse=order == "DESC")
        if soql.limit is not None:
            rows = rows[: soql.limit]
        records = []
        for user_id, user_name, number in rows:
            record: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
            unnamed = 0
            for item in soql.select_items:
                expression = item.expression.lower()
                if item.is_aggregate:
                    # Unaliased aggregates are expr0, expr1, ... (query_aggregate_count.json).
                    key = item.alias or f"expr{unnamed}"
                    unnamed += item.alias is None
                    value: Any = number if expression.startswith("count(") else None
                else:
                    # An unaliased relationship field is keyed by its last path element:
                    # LastModifiedBy.Name comes back as "Name".
                    key = item.alias or item.expression.rsplit(".", 1)[-1]
                    value = {"lastmodifiedbyid": user_id, "lastmodifiedby.name": user_name}.get(
                        expression
                    )
                record[key] = value
            records.append(record)
        return records

    def _modified_in_window(self, sobject: str, soql: Soql) -> list[tuple[str, str, int]]:
        """The scripted modifications inside the query's window, summed per modifier."""
        window = [
            c
            for c in soql.time_conditions
            if c.field.lower() in ("systemmodstamp", "lastmodifieddate")
        ]
        summed: dict[tuple[str, str], int] = {}
        for moment, user_id, user_name, number in self.modifications.get(sobject, []):
            if _inside(moment, window):
                summed[(user_id, user_name)] = summed.get((user_id, user_name), 0) + number
        return [(user_id, user_name, number) for (user_id, user_name), number in summed.items()]

    def _log_rows(self, sobject: str, rows: list[dict], soql: Soql) -> list[dict]:
        """Scripted SetupAuditTrail or LoginHistory records inside the query's time window,
        filtered on string conditions over their own columns, in time order, with only the
        selected fields."""
        field = _LOG_TIME[sobject]
        window = [c for c in soql.time_conditions if c.field.lower() == field.lower()]
        selected = [row for row in rows if _inside(_salesforce_time(row[field]), window)]
        for condition in soql.conditions:
            if any(condition.field in row for row in rows):
                keep = condition.operator in ("=", "IN")
                selected = [
                    r for r in selected if (r.get(condition.field) in condition.values) == keep
                ]
        order = soql.order_by
        selected.sort(
            key=lambda row: _salesforce_time(row[field]),
            reverse=order is not None and order[1] == "DESC",
        )
        records = [self._projected(sobject, row, soql) for row in selected]
        return records[: soql.limit] if soql.limit is not None else records

    def _projected(self, sobject: str, row: dict, soql: Soql) -> dict:
        """A record with the selected fields only, in SELECT order, as Salesforce sends it: a
        relationship field (CreatedBy.Username) nested under its relationship, with its own
        attributes."""
        record: dict[str, Any] = {
            "attributes": {"type": sobject, "url": self._record_url(sobject, row["Id"])}
        }
        for item in soql.select_items:
            relationship, _, field = item.expression.rpartition(".")
            if not relationship:
                record[field] = row.get(field)
                continue
            related = row.get(relationship)
            if related is None:
                record[relationship] = None
                continue
            if relationship in _RELATED:
                attributes = {
                    "type": _RELATED[relationship],
                    "url": self._record_url(_RELATED[relationship], related.get("Id", "")),
                }
            else:
                attributes = self._user_attributes(related)
            nested = record.setdefault(relationship, {"attributes": attributes})
            nested[field] = related.get(field)
        return record

    def _user_attributes(self, user: dict) -> dict:
        """attributes of a nested User, its Id looked up by username when not scripted."""
        known = self.users.get(str(user.get("Username")), {})
        user_id = user.get("Id") or known.get("Id") or "005000000000000AAA"
        return {"type": "User", "url": self._record_url("User", user_id)}

    def _user_rows(self, soql: Soql) -> list[dict]:
        users = list(self.users.values())
        for condition in soql.conditions:
            if condition.field == "Id" and condition.operator in ("=", "IN"):
                # Salesforce takes a 15- or an 18-character id for the same record.
                wanted = {str(v)[:15] for v in condition.values}
                users = [u for u in users if str(u.get("Id"))[:15] in wanted]
            elif condition.field == "Username" and condition.operator in ("=", "IN"):
                users = [u for u in users if u.get(condition.field) in condition.values]
        # Scripted users may carry IsActive, LastPasswordChangeDate, Profile {"Name": ...}.
        return [self._projected("User", user, soql) for user in users]

    def _permission_rows(self, sobject: str, rows: list[dict], soql: Soql) -> list[dict]:
        """The scripted rows, filtered on string conditions over their own columns."""
        selected = list(enumerate(rows))
        for condition in soql.conditions:
            if not any(condition.field in row for row in rows):
                continue
            keep = condition.operator in ("=", "IN")
            selected = [
                (i, r) for i, r in selected if (r.get(condition.field) in condition.values) == keep
            ]
        records = []
        for index, row in selected:
            record_id = row.get("Id") or f"{_ID_PREFIX[sobject]}{index:012d}AAA"
            attributes = {"type": sobject, "url": self._record_url(sobject, record_id)}
            records.append({"attributes": attributes, **row})
        return records[: soql.limit] if soql.limit is not None else records

    def _record_url(self, sobject: str, record_id: str) -> str:
        return f"{self._prefix}sobjects/{sobject}/{record_id}"

    def _first_page(self, records: list[dict]) -> dict:
        if len(records) <= self.page_size:
            return {"totalSize": len(records), "done": True, "records": records}
        with self._lock:
            locator = f"01g{len(self._cursors) + 1:012d}AAA"
            self._cursors[locator] = records
        return self._page(locator, 0)

    def _next_page(self, locator: str, offset: int) -> tuple[int, Any]:
        if locator not in self._cursors:
            return 400, error("INVALID_QUERY_LOCATOR", "invalid query locator")
        return 200, self._page(locator, offset)

    def _page(self, locator: str, offset: int) -> dict:
        records = self._cursors[locator]
        end = offset + self.page_size
        page: dict[str, Any] = {"totalSize": len(records), "done": end >= len(records)}
        if end < len(records):
            page["nextRecordsUrl"] = f"{self._prefix}query/{locator}-{end}"
        page["records"] = records[offset:end]
        return page


_PARTNER = "urn:partner.soap.sforce.com"
# The LoginFault Salesforce sends (HTTP 500) for a wrong username, password or security token.
# The message is deliberately the same for each cause.
_LOGIN_FAULT = (
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope'
    ' xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
    ' xmlns:sf="urn:fault.partner.soap.sforce.com"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>'
    "<faultcode>sf:INVALID_LOGIN</faultcode>"
    "<faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked"
    ' out.</faultstring><detail><sf:LoginFault xsi:type="sf:LoginFault">'
    "<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode><sf:exceptionMessage>Invalid username,"
    " password, security token; or user locked out.</sf:exceptionMessage></sf:LoginFault>"
    "</detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
)


def _is_login_path(path: str) -> bool:
    path = path.rstrip("/")
    return (
        path == "/services/oauth2/token"
        or re.fullmatch(r"/services/Soap/u/\d+\.\d+", path) is not None
    )


def _oauth_error(error_code: str, description: str) -> tuple[int, dict[str, str]]:
    """Salesforce's OAuth error body, sent with HTTP 400."""
    return 400, {"error": error_code, "error_description": description}


def _malformed(soql: Soql) -> tuple[int, Any]:
    # Invented message: it names the stand-in so that a test author knows where to look.
    return 400, error(
        "MALFORMED_QUERY",
        f"\n{soql.text}\n^\nERROR at Row:1:Column:1\nThe Salesforce stand-in"
        " (tests/standins/salesforce.py) does not recognise this query",
    )


def _method_not_allowed(method: str, allowed: str = "GET,HEAD") -> tuple[int, Any]:
    message = f"HTTP Method '{method}' not allowed. Allowed are {allowed}"
    return 405, [{"errorCode": "METHOD_NOT_ALLOWED", "message": message}]


def _is_query_url(url: str) -> bool:
    return re.search(r"/(query|queryAll)(/|$)", urlsplit(url).path) is not None


def _query_dict(query_string: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(query_string, keep_blank_values=True).items()}


def _salesforce_time(text: str) -> datetime:
    """A datetime as Salesforce writes it in records (2026-11-20T14:57:12.000+0000)."""
    return datetime.fromisoformat(text)


def _inside(moment: datetime, window: list[TimeCondition]) -> bool:
    return all(condition.holds(moment) for condition in window)


def _take(failures: list[_Failure], matches: Any) -> _Failure | None:
    """Use up one of the first matching scripted failure; caller holds the lock."""
    for failure in failures:
        if matches(failure):
            if failure.after > 0:
                failure.after -= 1
                return None
            failure.times -= 1
            if failure.times <= 0:
                failures.remove(failure)
            return failure
    return None


def _with_version(entry: dict, api_version: str) -> dict:
    text = re.sub(
        r"/services/data/v(\d+\.\d+|xx\.0)/", f"/services/data/v{api_version}/", json.dumps(entry)
    )
    return json.loads(text)


def _reply(status: int, body: Any, headers: list[tuple[str, str]]) -> Reply:
    if body is None or body == "":
        return Reply(status, b"", "text/html;charset=UTF-8", headers)
    if isinstance(body, bytes):
        return Reply(status, body, "application/octet-stream", headers)
    if isinstance(body, str):
        return Reply(status, body.encode(), "text/html;charset=UTF-8", headers)
    return Reply(status, json.dumps(body).encode(), headers=headers)

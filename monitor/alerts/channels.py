"""Where alerts go: apprise URLs (Slack, Teams, email, JSON webhook ...); the optional Marketo
smart campaign is monitor/alerts/marketo_campaign.py, and dispatch.load_channels lists both.

An apprise URL carries its secret (a Slack token, an SMTP password, a webhook key), so outside
this module a channel is known only by its label: the URL's scheme and a short hash of it
(`slack:3fa1b2c4`). The label is what the outbox stores and the dashboard shows. The URLs are
held in memory only while sending, every apprise and urllib3 log record is passed through
REDACTOR (which masks each URL and its token-like parts), and delivery errors are redacted too.
"""

from __future__ import annotations

import hashlib
import logging
import re
import traceback
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import apprise

from monitor.alerts.formats import to_html
from monitor.config import Config

MAX_ERROR_CHARS = 500
URLS_VARIABLE = "MONITOR_ALERT_URLS"
# Loggers that could print a URL: apprise's own (all its plugins share it) and urllib3's
# connection pool, which logs request paths at DEBUG level.
REDACTED_LOGGERS = ("apprise", "urllib3.connectionpool")


@dataclass(frozen=True)
class OutgoingMessage:
    """What a channel sends: a title, a markdown-friendly plain-text body, attachments."""

    kind: str  # alert | report | test
    title: str
    body: str
    notify_type: str = "info"  # info | success | warning | failure
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Delivery:
    """The outcome of one send: `parts_done` lets a multi-call channel resume where it stopped."""

    ok: bool
    error: str = ""
    parts_done: int = 0


class Channel(Protocol):
    label: str
    service: str

    def accepts(self, kind: str) -> bool: ...

    def send(self, message: OutgoingMessage, parts_done: int = 0) -> Delivery: ...


class Redactor(logging.Filter):
    """Masks known secrets in log records and in error texts."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        # Short-lived secrets (access tokens): only the latest few, so the set stays small.
        self._recent: deque[str] = deque(maxlen=16)

    def add(self, *secrets: str, short_lived: bool = False) -> None:
        found = [s for s in secrets if s and len(s) >= 4]
        if short_lived:
            self._recent.extend(found)
        else:
            self._secrets.update(found)

    def redact(self, text: str) -> str:
        for secret in sorted({*self._secrets, *self._recent}, key=len, reverse=True):
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets and not self._recent:
            return True
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + "".join(traceback.format_exception(*record.exc_info))
            record.exc_info = None
            record.exc_text = None
        record.msg = self.redact(message)
        record.args = None
        return True


REDACTOR = Redactor()
for _name in REDACTED_LOGGERS:
    logging.getLogger(_name).addFilter(REDACTOR)


def url_secrets(url: str) -> set[str]:
    """The URL and every part of it that may be a secret: user, password, a host without a dot
    (Slack's first token), path segments and query values, raw and percent-encoded."""
    found = {url, unquote(url)}
    try:
        split = urlsplit(url)
        host = split.hostname or ""
        found.update((split.username or "", split.password or ""))
    except ValueError:  # an unparseable URL: mask it whole, and its pieces
        return found | set(re.split(r"[/:@?&=#,;]+", url))
    if host and "." not in host:
        found.add(host)
    found.update(segment for segment in split.path.split("/"))
    found.update(value for _, value in parse_qsl(split.query))
    found |= {unquote(part) for part in found} | {quote(part, safe="") for part in found}
    return {part for part in found if len(part) >= 4}


def channel_label(url: str) -> str:
    """`scheme:hash8`: tells channels apart without showing anything secret."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else "url"
    scheme = re.sub(r"[^a-z0-9+.-]", "", scheme)[:20] or "url"
    return f"{scheme}:{hashlib.sha256(url.encode()).hexdigest()[:8]}"


@dataclass(frozen=True)
class AppriseChannel:
    """One apprise URL. `url` stays out of repr so no traceback or log can show it."""

    label: str
    service: str
    url: str = field(repr=False)

    def accepts(self, kind: str) -> bool:
        return True

    def send(self, message: OutgoingMessage, parts_done: int = 0) -> Delivery:
        """Send once; a refusal or exception becomes a redacted error, never a raise."""
        missing = [p for p in message.attachments if not Path(p).is_file()]
        if missing:
            return Delivery(False, f"attachment is missing: {Path(missing[0]).name}")
        notifier = apprise.Apprise()
        if not notifier.add([self.url]):
            return Delivery(False, "apprise cannot use this URL")
        body, body_format = body_for(notifier[0], message.body)
        try:
            result = notifier.notify(
                body=body,
                title=message.title,
                notify_type=message.notify_type,
                body_format=body_format,
                attach=list(message.attachments) or None,
            )
        except Exception as exc:  # a plugin bug must not stop the other deliveries
            return Delivery(False, _short(f"{type(exc).__name__}: {exc}"))
        if result:
            return Delivery(True, parts_done=1)
        reasons = [e.message for e in result.logs() if e.level in ("WARNING", "ERROR")]
        return Delivery(False, _short("; ".join(reasons) or "the service refused the message"))


def body_for(plugin: object, body: str) -> tuple[str, apprise.NotifyFormat]:
    """The message body for the service: HTML converted here for a service that takes HTML
    first (email), else the Markdown as written, which apprise puts into the service's dialect
    (Slack, Teams) or a JSON webhook gets as is (monitor/alerts/formats.py says why)."""
    formats = getattr(plugin, "notify_format", apprise.NotifyFormat.MARKDOWN)
    preferred = formats[0] if isinstance(formats, (tuple, list)) else formats
    if preferred == apprise.NotifyFormat.HTML:
        return to_html(body), apprise.NotifyFormat.HTML
    return body, apprise.NotifyFormat.MARKDOWN


def _short(text: str) -> str:
    text = REDACTOR.redact(text)
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def configured_urls(config: Config, secrets: Mapping[str, str]) -> list[str]:
    """MONITOR_ALERT_URLS (environment or .streamlit/secrets.toml) wins over monitor.toml's
    alert_urls, as every MONITOR_* variable does; duplicates are dropped."""
    if secrets.get(URLS_VARIABLE, "").strip():
        urls = secrets[URLS_VARIABLE].split()
    else:
        urls = list(config.alert_urls)
    return list(dict.fromkeys(url.strip() for url in urls if url.strip()))


def apprise_channels(
    config: Config, secrets: Mapping[str, str]
) -> tuple[list[AppriseChannel], list[str]]:
    """The usable apprise channels, and one line per URL apprise cannot use (no secret in it)."""
    channels, problems = [], []
    for number, url in enumerate(configured_urls(config, secrets), start=1):
        REDACTOR.add(*url_secrets(url))
        label = channel_label(url)
        plugin = apprise.Apprise.instantiate(url)
        if plugin is None:
            problems.append(
                f"alert URL #{number} ({label}) is not one apprise understands: check its "
                "scheme and parts (https://appriseit.com/services/)"
            )
            continue
        channels.append(AppriseChannel(label, str(plugin.service_name), url))
    return channels, problems

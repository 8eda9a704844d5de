"""Data hygiene vocabulary shared by the collector and the checks: which field is a custom sync
filter, and how a duplicated value is shown without giving the personal data away."""

from __future__ import annotations

from collections.abc import Iterable

from monitor.vocabulary import field_key, squeezed

# Substrings that mark a custom sync filter field, matched in its API name and its label once
# both are lowercased and stripped of everything but letters and digits ("Do Not Sync to
# Marketo" -> "donotsynctomarketo"). The first two mean "true keeps the record out".
SYNC_FILTER_MARKERS = (
    "donotsync",
    "excludefrommarketo",
    "marketosync",
    "synctomarketo",
    "synctomkto",
    "mktosync",
)
EXCLUDING_MARKERS = ("donotsync", "excludefrom", "dontsync", "nosync")


def is_sync_filter_field(
    name: str, label: str | None, field_type: str | None, markers: Iterable[str]
) -> bool:
    """A checkbox whose name or label carries one of `markers`."""
    if field_type != "boolean":
        return False
    keys = (field_key(name), squeezed(label))
    return any(squeezed(marker) in key for marker in markers for key in keys if marker)


def excluding_value(name: str, label: str | None) -> str:
    """The value ('true' or 'false') that keeps a record out of the sync: a "Do Not Sync"
    checkbox excludes when ticked, a "Sync to Marketo" checkbox when not."""
    keys = (field_key(name), squeezed(label))
    negative = any(marker in key for marker in EXCLUDING_MARKERS for key in keys)
    return "true" if negative else "false"


def masked(value: str) -> str:
    """A duplicated value that an alert may carry: `jane.doe@acme.com` -> `j***@acme.com`;
    anything else keeps its first character only. The domain stays: it names a company, and
    it tells the admin where to look."""
    text = str(value).strip()
    local, at, domain = text.partition("@")
    if at:
        return f"{local[:1]}***@{domain}"
    return f"{text[:1]}***" if text else ""

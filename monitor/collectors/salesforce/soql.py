"""The SOQL the Salesforce collector sends. Values go through format_soql; object names are
checked against a strict pattern before they are put in as literals."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from simple_salesforce import format_soql

from monitor.errors import ConfigError, SourceError
from monitor.vocabulary import API_NAME


def checked_object(name: str) -> str:
    """An sObject API name, or a ConfigError (it becomes a literal in SOQL)."""
    if not API_NAME.fullmatch(name):
        raise ConfigError(f"salesforce_objects: {name!r} is not an sObject API name")
    return name


def soql_time(moment: datetime) -> str:
    """A SOQL datetime literal in UTC (`2026-11-20T14:05:00Z`)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def changes_by_modifier(object_name: str, start: datetime, end: datetime) -> str:
    """Records of an object changed in (start, end], counted per last modifier. One query gives
    the inflow the sync must pull (changes by others), what the sync user pushed (its own
    changes) and who drives the inflow."""
    return format_soql(
        "SELECT LastModifiedById, LastModifiedBy.Name, COUNT(Id) FROM {:literal} "
        "WHERE SystemModstamp > {:literal} AND SystemModstamp <= {:literal} "
        "GROUP BY LastModifiedById, LastModifiedBy.Name",
        checked_object(object_name),
        soql_time(start),
        soql_time(end),
    )


def user_by_username(username: str) -> str:
    return format_soql("SELECT Id, Username, Name FROM User WHERE Username = {}", username)


def field_permissions(objects: Iterable[str], sync_user: str) -> str:
    """Field-level security of the sync user through every permission set assigned to it (its
    profile is one of them)."""
    return format_soql(
        "SELECT SobjectType, Field, PermissionsRead, PermissionsEdit FROM FieldPermissions "
        "WHERE SobjectType IN {} AND ParentId IN "
        "(SELECT PermissionSetId FROM PermissionSetAssignment WHERE AssigneeId = {})",
        [checked_object(o) for o in objects],
        sync_user,
    )


def object_permissions(objects: Iterable[str], sync_user: str) -> str:
    """Object permissions of the sync user through every permission set assigned to it."""
    return format_soql(
        "SELECT SobjectType, PermissionsRead, PermissionsCreate, PermissionsEdit "
        "FROM ObjectPermissions WHERE SobjectType IN {} AND ParentId IN "
        "(SELECT PermissionSetId FROM PermissionSetAssignment WHERE AssigneeId = {})",
        [checked_object(o) for o in objects],
        sync_user,
    )


def setup_audit_trail(start: datetime, end: datetime) -> str:
    """Setup changes in (start, end]. Display and Section cannot be filtered in SOQL, so the
    checks pick what concerns the sync user afterwards."""
    return format_soql(
        "SELECT Id, CreatedDate, CreatedBy.Username, Action, Section, Display "
        "FROM SetupAuditTrail WHERE CreatedDate > {:literal} AND CreatedDate <= {:literal} "
        "ORDER BY CreatedDate",
        soql_time(start),
        soql_time(end),
    )


def login_history(sync_user: str, start: datetime, end: datetime) -> str:
    """The sync user's logins in (start, end], failed ones included."""
    return format_soql(
        "SELECT Id, LoginTime, Status, LoginType, SourceIp FROM LoginHistory "
        "WHERE UserId = {} AND LoginTime > {:literal} AND LoginTime <= {:literal} "
        "ORDER BY LoginTime",
        sync_user,
        soql_time(start),
        soql_time(end),
    )


def checked_field(object_name: str, name: str) -> str:
    """A field API name from a describe, or a SourceError (it becomes a literal in SOQL)."""
    if not API_NAME.fullmatch(name):
        raise SourceError(f"describe of {object_name}: {name!r} is not a field API name")
    return name


def fill_counts(object_name: str, fields: Iterable[str]) -> str:
    """How many records an object has and how many of them fill each field: one row with
    COUNT(Id) as expr0 and COUNT(field i) as expr(i+1). SOQL takes several aggregates in one
    query; only fields whose describe says `aggregatable` may be counted."""
    counted = ", ".join(f"COUNT({checked_field(object_name, f)})" for f in fields)
    return format_soql(
        "SELECT COUNT(Id), {:literal} FROM {:literal}", counted, checked_object(object_name)
    )


def duplicate_values(object_name: str, field_name: str, limit: int) -> str:
    """Values of the dedupe field shared by more than one record, most shared first. On Lead,
    converted leads are left out: Marketo follows the contact they became."""
    template = _DUPLICATES_OF_LEADS if object_name == "Lead" else _DUPLICATES
    return format_soql(
        template,
        checked_field(object_name, field_name),
        checked_object(object_name),
        int(limit),
    )


_DUPLICATES = (
    "SELECT {0:literal}, COUNT(Id) FROM {1:literal} WHERE {0:literal} != null "
    "GROUP BY {0:literal} HAVING COUNT(Id) > 1 ORDER BY COUNT(Id) DESC LIMIT {2}"
)
_DUPLICATES_OF_LEADS = (
    "SELECT {0:literal}, COUNT(Id) FROM {1:literal} WHERE {0:literal} != null "
    "AND IsConverted = false "
    "GROUP BY {0:literal} HAVING COUNT(Id) > 1 ORDER BY COUNT(Id) DESC LIMIT {2}"
)


def value_counts(object_name: str, field_name: str) -> str:
    """Records per value of one groupable field (a sync filter checkbox: true / false)."""
    return format_soql(
        "SELECT {0:literal}, COUNT(Id) FROM {1:literal} GROUP BY {0:literal}",
        checked_field(object_name, field_name),
        checked_object(object_name),
    )

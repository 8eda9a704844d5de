"""The SOQL the Salesforce collector sends. Values go through format_soql; object names are
checked against a strict pattern before they are put in as literals."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from simple_salesforce import format_soql

from monitor.errors import ConfigError

_API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def checked_object(name: str) -> str:
    """An sObject API name, or a ConfigError (it becomes a literal in SOQL)."""
    if not _API_NAME.match(name):
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

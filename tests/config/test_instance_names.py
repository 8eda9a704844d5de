"""Instance names are checked where an instance is made (`import --instance`, the `instance`
setting, any new instance a writer registers): one line naming the allowed characters. An
instance stored before the rule existed goes on being written."""

from __future__ import annotations

import pytest

from monitor.errors import ConfigError
from monitor.store import Store
from monitor.store.facts import ensure_instance
from tests.test_cli import ERRORS_HEADER, monitor

RULE = (
    "may hold only letters, digits, '.', '_' and '-' (starting with a letter or digit, at most "
    "63 characters)"
)
ROW = "Record Level,11/20/2026 02:05 PM,Failed to update SFDC,UNABLE_TO_LOCK_ROW: busy,Lead,1,2\n"


@pytest.mark.parametrize(
    "name", ["acme <b>corp</b>", "[x](https://evil.example)", "_prod", "a" * 64, "prod/eu", "é"]
)
def test_import_into_a_badly_named_new_instance_is_one_line_naming_the_allowed_characters(
    tmp_path, name
):
    export = tmp_path / "errors.csv"
    export.write_text(ERRORS_HEADER + "\n" + ROW, encoding="utf-8")
    result = monitor("import", "sync-errors", str(export), "--instance", name, db=tmp_path / "m.db")
    assert result.returncode == 1
    assert result.stderr == f"error: instance name {name!r} {RULE}\n"


def test_the_instance_setting_is_checked_when_the_configuration_is_read(tmp_path):
    result = monitor("init", db=tmp_path / "m.db", env={"MONITOR_INSTANCE": "acme corp"})
    assert result.returncode == 1
    assert result.stderr == f"error: MONITOR_INSTANCE: instance name 'acme corp' {RULE}\n"


@pytest.mark.parametrize("name", ["prod", "acme-corp.eu_1", "A1", "a" * 63])
def test_plain_names_are_accepted(tmp_path, name):
    store = Store(tmp_path / "m.db")
    with store.write() as con:
        ensure_instance(con, name)
    assert list(store.query("instances")["instance"]) == [name]


def test_an_instance_stored_before_the_rule_goes_on_being_written(tmp_path):
    store = Store(tmp_path / "m.db")
    store.init()
    with store.write() as con:  # as an older monitor stored it
        con.execute(
            "INSERT INTO instances (instance, label, is_demo, created_at) "
            "VALUES ('acme corp', 'acme corp', false, now())"
        )
    with store.write() as con:
        ensure_instance(con, "acme corp")
    rule = RULE.replace("(", r"\(").replace(")", r"\)")
    with pytest.raises(ConfigError, match=rule), store.write() as con:
        ensure_instance(con, "other corp")

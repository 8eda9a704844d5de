"""Configuration and secrets: defaults, monitor.toml, MONITOR_* overrides, clear errors."""

from __future__ import annotations

import pytest

from monitor.config import SETTINGS, load_config
from monitor.config.secrets import load_secrets
from monitor.errors import ConfigError
from tests.conftest import REPO


def test_every_setting_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [s.name for s in SETTINGS if f"{s.name} =" not in readme]
    assert missing == []


def test_every_setting_has_help():
    assert all(s.help.strip() for s in SETTINGS)


def test_environment_overrides_the_file_and_converts_types(tmp_path):
    path = tmp_path / "monitor.toml"
    path.write_text(
        'instance = "prod"\nsalesforce_objects = ["Lead"]\ndescribe_interval_minutes = 30\n'
    )
    config = load_config(
        {
            "MONITOR_CONFIG": str(path),
            "MONITOR_SALESFORCE_OBJECTS": "Lead, Task",
            "MONITOR_SALESFORCE_INTERVAL_MINUTES": "10",
        }
    )
    assert config.instance == "prod"
    assert config.salesforce_objects == ("Lead", "Task")
    assert config.describe_interval_minutes == 30
    assert config.salesforce_interval_minutes == 10


@pytest.mark.parametrize(
    ("content", "environ", "message"),
    [
        ("colour = 'blue'\n", {}, "unknown key 'colour'"),
        ("salesforce_objects = 5\n", {}, "salesforce_objects: expected a list"),
        (
            "",
            {"MONITOR_DESCRIBE_INTERVAL_MINUTES": "soon"},
            "MONITOR_DESCRIBE_INTERVAL_MINUTES: describe_interval_minutes: expected a whole number",
        ),
        ("", {"MONITOR_SALESFORCE_INTERVAL_MINUTES": "0"}, "expected a number above 0"),
        ("streams_port = 70000\n", {}, "streams_port: expected a port from 1 to 65535"),
        (
            "",
            {"MONITOR_STREAMS_PORT": "99999"},
            "MONITOR_STREAMS_PORT: streams_port: expected a port from 1 to 65535",
        ),
        ("timezone = 'Mars/Base'\n", {}, "unknown timezone 'Mars/Base'"),
        ("[checks]\nbacklog_spike = 3\n", {}, "must be tables of settings"),
        ("db = \n", {}, "invalid TOML"),
    ],
)
def test_invalid_configuration_is_one_sentence_naming_the_key(tmp_path, content, environ, message):
    path = tmp_path / "monitor.toml"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config({"MONITOR_CONFIG": str(path), **environ})


def test_secrets_come_from_the_file_and_the_environment_wins(tmp_path):
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text('SALESFORCE_ACCESS_TOKEN = "from-file"\nSALESFORCE_SYNC_USER = "u"\n')
    secrets = load_secrets({"SALESFORCE_ACCESS_TOKEN": "from-env"}, secrets_file)
    assert secrets["SALESFORCE_ACCESS_TOKEN"] == "from-env"
    assert secrets["SALESFORCE_SYNC_USER"] == "u"


def test_a_broken_secrets_file_error_quotes_no_secret(tmp_path):
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text('SALESFORCE_PASSWORD = "hunter2\n')
    with pytest.raises(ConfigError) as caught:
        load_secrets({}, secrets_file)
    assert "hunter2" not in str(caught.value)


def test_every_registered_check_is_in_the_readme():
    from checks import REGISTRY

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert [c.id for c in REGISTRY if f"| `{c.id}` |" not in readme] == []


def test_instances_and_silences_arrive_as_tables_for_their_modules(tmp_path):
    path = tmp_path / "monitor.toml"
    path.write_text(
        '[[instances]]\nname = "prod"\n\n[[instances]]\nname = "sandbox"\n\n'
        '[[silences]]\ncheck = "backlog_spike"\nuntil = "2026-12-01T00:00:00Z"\n'
    )
    config = load_config({"MONITOR_CONFIG": str(path)})
    assert [item["name"] for item in config.instances] == ["prod", "sandbox"]
    assert config.silences[0]["check"] == "backlog_spike"


def test_a_single_table_where_an_array_of_tables_belongs_is_a_clear_error(tmp_path):
    path = tmp_path / "monitor.toml"
    path.write_text('[silences]\ncheck = "backlog_spike"\n')
    with pytest.raises(ConfigError, match=r"silences must be written as \[\[silences\]\] tables"):
        load_config({"MONITOR_CONFIG": str(path)})

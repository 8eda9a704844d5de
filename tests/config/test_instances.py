"""[[instances]] in monitor.toml: validation with errors that name the table and key, the
default single instance, and secrets looked up under each instance's own variable names."""

from __future__ import annotations

import pytest

from monitor.config.instances import (
    SECRET_VARIABLES,
    check_separate_credentials,
    configured_instances,
    instance_secrets,
    select_instances,
)
from monitor.errors import ConfigError
from tests.conftest import config_from_toml

TWO = """
instance = "ignored-when-instances-exist"

[[instances]]
name = "prod"
label = "Production"
salesforce_env = "PROD_SALESFORCE"
marketo_env = "PROD_MARKETO"

[[instances]]
name = "sandbox"
salesforce_env = "SANDBOX_SF"
marketo_env = "SANDBOX_MKTO"
env = { SALESFORCE_SYNC_USER = "SANDBOX_SYNC_USER" }
salesforce_objects = ["Lead", "Contact"]
timezone = "Europe/Berlin"
"""


def test_without_instances_the_configured_instance_reads_the_design_names(tmp_path):
    [only] = configured_instances(config_from_toml(tmp_path, 'instance = "acme"\n'))
    assert (only.name, only.label) == ("acme", "acme")
    assert only.variables == {name: name for name in SECRET_VARIABLES}
    assert only.salesforce_objects is None and only.timezone is None


def test_two_instances_keep_their_names_labels_and_variables(tmp_path):
    prod, sandbox = configured_instances(config_from_toml(tmp_path, TWO))
    assert (prod.name, prod.label, sandbox.name, sandbox.label) == (
        "prod",
        "Production",
        "sandbox",
        "sandbox",
    )
    assert prod.variables["SALESFORCE_INSTANCE_URL"] == "PROD_SALESFORCE_INSTANCE_URL"
    assert prod.variables["SALESFORCE_SYNC_USER"] == "PROD_SALESFORCE_SYNC_USER"
    assert prod.variables["MARKETO_CLIENT_SECRET"] == "PROD_MARKETO_CLIENT_SECRET"
    assert sandbox.variables["SALESFORCE_ACCESS_TOKEN"] == "SANDBOX_SF_ACCESS_TOKEN"
    assert sandbox.variables["SALESFORCE_SYNC_USER"] == "SANDBOX_SYNC_USER"
    assert sandbox.variables["MARKETO_BASE_URL"] == "SANDBOX_MKTO_BASE_URL"


def test_instance_settings_apply_to_the_configuration_its_collectors_see(tmp_path):
    config = config_from_toml(tmp_path, TWO)
    prod, sandbox = configured_instances(config)
    assert prod.applied_to(config).salesforce_objects == config.salesforce_objects
    applied = sandbox.applied_to(config)
    assert (applied.instance, applied.salesforce_objects, applied.timezone) == (
        "sandbox",
        ("Lead", "Contact"),
        "Europe/Berlin",
    )


def test_instance_secrets_come_back_under_the_canonical_names(tmp_path):
    prod, sandbox = configured_instances(config_from_toml(tmp_path, TWO))
    environment = {
        "PROD_SALESFORCE_INSTANCE_URL": "https://prod.my.salesforce.com",
        "PROD_SALESFORCE_ACCESS_TOKEN": "prod-token",
        "SANDBOX_SF_INSTANCE_URL": "https://sandbox.my.salesforce.com",
        "SANDBOX_SYNC_USER": "sync@sandbox.example",
        "SALESFORCE_ACCESS_TOKEN": "the-default-one",
        "PROD_MARKETO_CLIENT_ID": "",  # set but empty: left out like an unset one
    }
    assert instance_secrets(prod, environment) == {
        "SALESFORCE_INSTANCE_URL": "https://prod.my.salesforce.com",
        "SALESFORCE_ACCESS_TOKEN": "prod-token",
    }
    assert instance_secrets(sandbox, environment) == {
        "SALESFORCE_INSTANCE_URL": "https://sandbox.my.salesforce.com",
        "SALESFORCE_SYNC_USER": "sync@sandbox.example",
    }


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        pytest.param(
            '[[instances]]\nlabel = "Prod"\n',
            r"\[\[instances\]\] #1: name is required",
            id="name_is_required",
        ),
        pytest.param(
            '[[instances]]\nname = "prod"\n[[instances]]\nname = "prod"\n'
            'salesforce_env = "B_SF"\nmarketo_env = "B_MKTO"\n',
            r"\[\[instances\]\] #2 \('prod'\): name 'prod' is already used by "
            r"\[\[instances\]\] #1",
            id="names_are_unique",
        ),
        pytest.param(
            '[[instances]]\nname = "prod"\nsalesforce_envs = "X"\n',
            r"#1 \('prod'\): unknown key 'salesforce_envs' \(known: name, label",
            id="unknown_key_is_named",
        ),
        pytest.param(
            '[[instances]]\nname = "acme corp"\n',
            r"name 'acme corp' may hold only letters, digits",
            id="name_must_fit_a_folder",
        ),
        pytest.param(
            '[[instances]]\nname = "prod"\nsalesforce_env = "PROD-SF"\n',
            r"salesforce_env = 'PROD-SF' is not an environment variable prefix",
            id="prefix_must_be_a_variable_name",
        ),
        pytest.param(
            '[[instances]]\nname = "prod"\nenv = { SALESFORCE_TOKEN = "X" }\n',
            r"env.SALESFORCE_TOKEN: not a secret the monitor reads",
            id="env_names_only_known_secrets",
        ),
        pytest.param(
            '[[instances]]\nname = "prod"\nenv = { MARKETO_CLIENT_ID = 7 }\n',
            r"env.MARKETO_CLIENT_ID must name an environment variable",
            id="env_values_are_variable_names",
        ),
        pytest.param(
            '[[instances]]\nname = "prod"\nsalesforce_objects = "Lead"\n',
            r"salesforce_objects must be a non-empty list of object names",
            id="objects_are_a_list",
        ),
        pytest.param(
            '[[instances]]\nname = "prod"\ntimezone = "Mars/Olympus"\n',
            r"#1 \('prod'\): timezone: unknown timezone 'Mars/Olympus'",
            id="timezone_is_checked",
        ),
    ],
)
def test_invalid_instances_table_is_a_config_error_naming_it(tmp_path, toml, message):
    config = config_from_toml(tmp_path, toml)
    with pytest.raises(ConfigError, match=message) as raised:
        configured_instances(config)
    assert str(tmp_path / "monitor.toml") in str(raised.value)


def test_two_instances_may_not_collect_one_org_through_the_same_variables(tmp_path):
    config = config_from_toml(
        tmp_path, '[[instances]]\nname = "prod"\n[[instances]]\nname = "qa"\n'
    )
    instances = configured_instances(config)  # both read the default names: fine so far
    check_separate_credentials(instances, {})  # nothing set: nobody collects anything
    with pytest.raises(
        ConfigError,
        match=r"\[\[instances\]\] 'prod' and 'qa' read the same salesforce variables "
        r"\(SALESFORCE_INSTANCE_URL, ...\); give one of them salesforce_env",
    ):
        check_separate_credentials(instances, {"SALESFORCE_ACCESS_TOKEN": "token"})


def test_separate_prefixes_keep_two_instances_apart(tmp_path):
    prod, sandbox = configured_instances(config_from_toml(tmp_path, TWO))
    secrets = {"PROD_SALESFORCE_ACCESS_TOKEN": "a", "SANDBOX_SF_ACCESS_TOKEN": "b"}
    check_separate_credentials([prod, sandbox], secrets)  # no ConfigError: they read apart
    assert instance_secrets(prod, secrets) == {"SALESFORCE_ACCESS_TOKEN": "a"}
    assert instance_secrets(sandbox, secrets) == {"SALESFORCE_ACCESS_TOKEN": "b"}


def test_select_instances_picks_one_or_names_the_configured_ones(tmp_path):
    instances = configured_instances(config_from_toml(tmp_path, TWO))
    assert [i.name for i in select_instances(instances, None)] == ["prod", "sandbox"]
    assert [i.name for i in select_instances(instances, "sandbox")] == ["sandbox"]
    with pytest.raises(ConfigError, match=r"--instance qa: no such instance \(configured: prod, "):
        select_instances(instances, "qa")

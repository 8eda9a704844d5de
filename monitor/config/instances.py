"""The monitored instances: one Marketo/Salesforce pair each, from `[[instances]]` in monitor.toml.

    [[instances]]
    name = "prod"                      # required, unique; the store keys every fact by it
    label = "Production"               # optional, shown in the dashboard
    salesforce_env = "PROD_SALESFORCE"  # PROD_SALESFORCE_INSTANCE_URL, PROD_SALESFORCE_USERNAME...
    marketo_env = "PROD_MARKETO"        # PROD_MARKETO_CLIENT_ID, PROD_MARKETO_CLIENT_SECRET...
    env = { SALESFORCE_SYNC_USER = "PROD_SYNC_USER" }   # one variable named outright
    salesforce_objects = ["Lead", "Contact"]            # optional, else the top-level list
    timezone = "Europe/Berlin"                          # optional, of this instance's exports

Without `[[instances]]` there is one instance, `instance` of the configuration, reading the
variable names of DESIGN §8. Secrets are looked up under the instance's names and handed to the
collectors under the canonical names, so collectors never know which instance they serve.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from monitor.config import Config, load_zone
from monitor.config.secret_names import MARKETO_VARIABLES, SALESFORCE_VARIABLES
from monitor.errors import ConfigError
from monitor.vocabulary import INSTANCE_NAME, INSTANCE_NAME_RULE

SECRET_VARIABLES = SALESFORCE_VARIABLES + MARKETO_VARIABLES
KEYS = ("name", "label", "salesforce_env", "marketo_env", "env", "salesforce_objects", "timezone")
NAME = INSTANCE_NAME
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class InstanceConfig:
    """One monitored Marketo/Salesforce pair and where its secrets are."""

    name: str
    label: str
    # canonical DESIGN §8 name -> the environment variable holding it for this instance
    variables: dict[str, str] = field(default_factory=lambda: {n: n for n in SECRET_VARIABLES})
    salesforce_objects: tuple[str, ...] | None = None
    timezone: str | None = None

    def variables_of(self, source: str) -> tuple[str, ...]:
        """The variable names this instance reads for `salesforce` or `marketo`."""
        names = SALESFORCE_VARIABLES if source == "salesforce" else MARKETO_VARIABLES
        return tuple(self.variables[name] for name in names)

    def applied_to(self, config: Config) -> Config:
        """The configuration as the collectors of this instance see it."""
        changes: dict[str, Any] = {"instance": self.name}
        if self.salesforce_objects is not None:
            changes["salesforce_objects"] = self.salesforce_objects
        if self.timezone is not None:
            changes["timezone"] = self.timezone
        return dataclasses.replace(config, **changes)


def _where(config: Config, index: int, table: Mapping[str, Any]) -> str:
    origin = config.path or "monitor.toml"
    name = table.get("name")
    named = f" ({name!r})" if isinstance(name, str) and name else ""
    return f"{origin}: [[instances]] #{index + 1}{named}"


def _text(table: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = table.get(key)
    if value is None:
        if required:
            raise ConfigError(f"{where}: {key} is required")
        return ""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: {key} must be a non-empty string")
    return value.strip()


def _prefixed(prefix: str, names: tuple[str, ...], canonical: str, where: str, key: str):
    if not ENV_NAME.fullmatch(prefix):
        raise ConfigError(
            f"{where}: {key} = {prefix!r} is not an environment variable prefix "
            "(letters, digits and _, e.g. PROD_SALESFORCE)"
        )
    return {name: prefix + name[len(canonical) :] for name in names}


def _variables(table: Mapping[str, Any], where: str) -> dict[str, str]:
    variables = {name: name for name in SECRET_VARIABLES}
    salesforce = _text(table, "salesforce_env", where)
    if salesforce:
        variables |= _prefixed(
            salesforce, SALESFORCE_VARIABLES, "SALESFORCE", where, "salesforce_env"
        )
    marketo = _text(table, "marketo_env", where)
    if marketo:
        variables |= _prefixed(marketo, MARKETO_VARIABLES, "MARKETO", where, "marketo_env")
    named = table.get("env", {})
    if not isinstance(named, Mapping):
        raise ConfigError(
            f'{where}: env must be a table such as env = {{ {SECRET_VARIABLES[0]} = "PROD_URL" }}'
        )
    for canonical, variable in named.items():
        if canonical not in SECRET_VARIABLES:
            raise ConfigError(
                f"{where}: env.{canonical}: not a secret the monitor reads "
                f"(known: {', '.join(SECRET_VARIABLES)})"
            )
        if not isinstance(variable, str) or not ENV_NAME.fullmatch(variable):
            raise ConfigError(
                f"{where}: env.{canonical} must name an environment variable, e.g. "
                f'"PROD_{canonical}"'
            )
        variables[canonical] = variable
    return variables


def _objects(table: Mapping[str, Any], where: str) -> tuple[str, ...] | None:
    value = table.get("salesforce_objects")
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, str) and v.strip() for v in value)
    ):
        raise ConfigError(f"{where}: salesforce_objects must be a non-empty list of object names")
    return tuple(v.strip() for v in value)


def parse_instance(config: Config, index: int, table: Mapping[str, Any]) -> InstanceConfig:
    """One `[[instances]]` table, validated; errors name the table and the key."""
    where = _where(config, index, table)
    for key in table:
        if key not in KEYS:
            raise ConfigError(f"{where}: unknown key {key!r} (known: {', '.join(KEYS)})")
    name = _text(table, "name", where, required=True)
    if not NAME.fullmatch(name):
        raise ConfigError(f"{where}: name {name!r} {INSTANCE_NAME_RULE}")
    timezone = _text(table, "timezone", where) or None
    if timezone:
        load_zone(timezone, f"{where}: timezone")
    return InstanceConfig(
        name=name,
        label=_text(table, "label", where) or name,
        variables=_variables(table, where),
        salesforce_objects=_objects(table, where),
        timezone=timezone,
    )


def configured_instances(config: Config) -> list[InstanceConfig]:
    """The instances to monitor: the `[[instances]]` tables, else `config.instance` alone."""
    if not config.instances:
        return [InstanceConfig(name=config.instance, label=config.instance)]
    instances = [parse_instance(config, i, table) for i, table in enumerate(config.instances)]
    seen: dict[str, int] = {}
    for index, instance in enumerate(instances):
        if instance.name in seen:
            raise ConfigError(
                f"{_where(config, index, config.instances[index])}: name {instance.name!r} is "
                f"already used by [[instances]] #{seen[instance.name] + 1}"
            )
        seen[instance.name] = index
    return instances


def select_instances(instances: list[InstanceConfig], name: str | None) -> list[InstanceConfig]:
    """All instances, or only the one named (a ConfigError names the configured ones)."""
    if not name:
        return instances
    chosen = [instance for instance in instances if instance.name == name]
    if not chosen:
        known = ", ".join(instance.name for instance in instances)
        raise ConfigError(f"--instance {name}: no such instance (configured: {known})")
    return chosen


def check_separate_credentials(instances: list[InstanceConfig], secrets: Mapping[str, str]) -> None:
    """Two instances must not collect one org: a ConfigError when two of them read a source's
    credentials from the same, set variables (both left at the default names, typically)."""
    for source in ("salesforce", "marketo"):
        readers: dict[tuple[str, ...], str] = {}
        for instance in instances:
            names = instance.variables_of(source)
            if not any(secrets.get(name) for name in names):
                continue  # this instance does not use the source
            if names in readers:
                raise ConfigError(
                    f"[[instances]] {readers[names]!r} and {instance.name!r} read the same "
                    f"{source} variables ({names[0]}, ...); give one of them "
                    f'{source}_env = "<PREFIX>" in monitor.toml'
                )
            readers[names] = instance.name


def instance_secrets(instance: InstanceConfig, secrets: Mapping[str, str]) -> dict[str, str]:
    """The instance's secrets under the canonical names the collectors read (unset ones are
    left out, so a collector sees exactly what this instance configures)."""
    return {
        canonical: secrets[variable]
        for canonical, variable in instance.variables.items()
        if secrets.get(variable)
    }

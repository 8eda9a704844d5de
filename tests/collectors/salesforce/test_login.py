"""The collector logs in with a username, as the README offers: SOAP login() with password and
security token, or the OAuth 2.0 JWT bearer grant. The real simple-salesforce client runs
unchanged over real HTTPS: it asks for https://login.salesforce.com and then for the org's
instance, and an HTTPS_PROXY tunnel brings both to the loopback stand-in, whose certificate
names those hosts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from monitor.collectors.salesforce.client import SalesforceClient, connect, login_from
from monitor.errors import SourceError
from monitor.store import Store
from tests.cli import run_monitor
from tests.collectors.salesforce.collecting import NOW, cycle
from tests.standins.proxy import TunnelProxy
from tests.standins.salesforce import (
    INSTANCE_HOST,
    SYNC_USER_ID,
    SYNC_USERNAME,
    SalesforceStandIn,
)

PASSWORD = "Tr0ub4dor&3-sync"
SECURITY_TOKEN = "Xq7RkT2mVb9LpZ4wNc8HsJ1e"
CONSUMER_KEY = "3MVG9acmeSyncMonitorConsumerKey"
DANA = ("005000000000002AAA", "Dana Whitfield")
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy")


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture
def standin() -> Iterator[SalesforceStandIn]:
    with SalesforceStandIn() as running:
        running.logins[SYNC_USERNAME] = PASSWORD + SECURITY_TOKEN
        running.modifiers["Lead"] = [(*DANA, 40), (SYNC_USER_ID, "Marketo Sync", 12)]
        # Task (a default synced object) is not in the real describeGlobal subset: script it.
        running.describes["Task"] = {**running.describes["Contact"], "name": "Task"}
        yield running


@pytest.fixture
def proxy(standin: SalesforceStandIn, monkeypatch: pytest.MonkeyPatch) -> Iterator[TunnelProxy]:
    """Every HTTPS request of this process goes through the tunnel to the stand-in."""
    with TunnelProxy(standin.port) as running:
        for name in PROXY_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTPS_PROXY", running.url)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", standin.ca_bundle)
        yield running


@pytest.fixture
def key_file(standin: SalesforceStandIn, tmp_path: Path) -> Path:
    """A private key whose certificate the connected app holds (the stand-in knows it)."""
    key = new_key()
    path = tmp_path / "server.key"
    path.write_bytes(private_pem(key))
    standin.connected_apps[CONSUMER_KEY] = public_pem(key)
    return path


def password_login(**extra: str) -> dict[str, str]:
    return {
        "SALESFORCE_USERNAME": SYNC_USERNAME,
        "SALESFORCE_PASSWORD": PASSWORD,
        "SALESFORCE_SECURITY_TOKEN": SECURITY_TOKEN,
        **extra,
    }


def jwt_login(key_file: Path, **extra: str) -> dict[str, str]:
    return {
        "SALESFORCE_USERNAME": SYNC_USERNAME,
        "SALESFORCE_CONSUMER_KEY": CONSUMER_KEY,
        "SALESFORCE_PRIVATE_KEY_FILE": str(key_file),
        **extra,
    }


def client_for(secrets: dict[str, str]) -> SalesforceClient:
    login = login_from(secrets)
    assert login is not None
    return SalesforceClient(connect(login, "59.0"), sleep=lambda seconds: None)


def lead_stats(store: Store) -> list[tuple]:
    with store.read() as con:
        return con.execute(
            "SELECT metric, value FROM sync_stats WHERE object = 'Lead' AND metric <> 'backlog' "
            "ORDER BY metric"
        ).fetchall()


def test_password_login_goes_to_the_login_server_then_collects_from_the_instance(
    standin, proxy, store
):
    assert login_from(password_login()).method == "password"
    client = client_for(password_login())
    report = cycle(store, client)
    assert report.status == "ok", report.errors
    assert "Lead" in report.objects_collected
    assert lead_stats(store) == [("inflow", 40.0), ("throughput", 12.0)]
    assert proxy.hosts[0] == "login.salesforce.com"
    assert set(proxy.hosts) == {"login.salesforce.com", INSTANCE_HOST}
    assert standin.soap_logins() == 1
    assert standin.login_requests[0].path == "/services/Soap/u/59.0"
    # Every API call went to the instance that login() named, with the session it issued.
    assert {request.host for request in standin.requests} == {INSTANCE_HOST}


def test_a_sandbox_login_goes_to_test_salesforce_com(standin, proxy, store):
    client = client_for(password_login(SALESFORCE_DOMAIN="test"))
    assert cycle(store, client).status == "ok"
    assert proxy.hosts[0] == "test.salesforce.com"
    assert "login.salesforce.com" not in proxy.hosts
    assert [request.host for request in standin.login_requests] == ["test.salesforce.com"]


@pytest.mark.parametrize(
    "password, security_token",
    [("wrong-password", SECURITY_TOKEN), (PASSWORD, "StaleTokenFromLastMonth00")],
    ids=["wrong password", "stale security token"],
)
def test_a_refused_password_login_says_so_without_the_secrets(
    standin, proxy, password, security_token
):
    secrets = password_login(SALESFORCE_PASSWORD=password, SALESFORCE_SECURITY_TOKEN=security_token)
    with pytest.raises(SourceError) as refused:
        client_for(secrets)
    message = str(refused.value)
    assert "refused the password login" in message and "INVALID_LOGIN" in message
    for secret in (password, security_token, PASSWORD, SECURITY_TOKEN):
        assert secret not in message
    assert standin.soap_logins() == 1
    assert standin.requests == []  # nothing was asked of the instance


def test_an_expired_session_is_renewed_by_one_more_login(standin, proxy, store):
    client = client_for(password_login())
    assert cycle(store, client).status == "ok"
    first_session = client.sf.session_id
    assert standin.soap_logins() == 1
    standin.expire_sessions()
    report = cycle(store, client, NOW + timedelta(minutes=5))
    assert report.status == "ok", report.errors
    assert "Lead" in report.objects_collected
    assert standin.soap_logins() == 2  # simple-salesforce logged in again, once
    assert client.sf.session_id != first_session
    with store.read() as con:
        windows = con.execute("SELECT count(DISTINCT ts) FROM sync_stats").fetchone()[0]
    assert windows == 2


def test_a_password_changed_mid_run_fails_the_cycle_after_one_refused_login(standin, proxy, store):
    client = client_for(password_login())
    cycle(store, client)
    standin.logins[SYNC_USERNAME] = "a-new-password" + SECURITY_TOKEN
    standin.expire_sessions()
    with pytest.raises(SourceError) as failed:
        cycle(store, client, NOW + timedelta(minutes=5))
    # Failed logins count towards the user's lockout: the refused re-login is not retried.
    assert standin.soap_logins() == 2
    for secret in (PASSWORD, SECURITY_TOKEN, "a-new-password"):
        assert secret not in str(failed.value)
    assert "refused the login when the session was renewed (INVALID_LOGIN)" in str(failed.value)
    with store.read() as con:
        status, error = con.execute(
            "SELECT status, error FROM collection_runs ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
    assert status == "failed" and error == str(failed.value)


def test_jwt_bearer_login_collects(standin, proxy, store, key_file):
    assert login_from(jwt_login(key_file)).method == "jwt"
    client = client_for(jwt_login(key_file))
    report = cycle(store, client)
    assert report.status == "ok", report.errors
    assert lead_stats(store) == [("inflow", 40.0), ("throughput", 12.0)]
    assert [request.path for request in standin.login_requests] == ["/services/oauth2/token"]
    assert proxy.hosts[0] == "login.salesforce.com"
    assert set(proxy.hosts) == {"login.salesforce.com", INSTANCE_HOST}
    assert {request.host for request in standin.requests} == {INSTANCE_HOST}


def test_an_expired_jwt_session_is_renewed_with_a_new_assertion(standin, proxy, store, key_file):
    client = client_for(jwt_login(key_file))
    cycle(store, client)
    standin.expire_sessions()
    assert cycle(store, client, NOW + timedelta(minutes=5)).status == "ok"
    assert len(standin.login_requests) == 2


def test_a_key_the_connected_app_does_not_hold_is_refused_without_key_material(
    standin, proxy, tmp_path, key_file
):
    stranger = new_key()
    other_file = tmp_path / "other.key"
    other_file.write_bytes(private_pem(stranger))
    with pytest.raises(SourceError) as refused:
        client_for(jwt_login(other_file))
    message = str(refused.value)
    assert "refused the jwt login" in message and "invalid_grant" in message
    assert "PRIVATE KEY" not in message and "PUBLIC KEY" not in message
    for line in private_pem(stranger).decode().splitlines()[1:-1]:
        assert line not in message
    assert standin.requests == []


def test_an_unknown_consumer_key_is_refused(standin, proxy, key_file):
    with pytest.raises(SourceError, match=r"refused the jwt login \(invalid_client_id\)"):
        client_for(jwt_login(key_file, SALESFORCE_CONSUMER_KEY="3MVG9someOtherApp"))


def test_check_connection_logs_in_with_a_password_and_never_prints_it(standin, proxy, tmp_path):
    base = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SALESFORCE_", "MONITOR_")) and name not in PROXY_VARIABLES
    }
    result = run_monitor(
        "check-connection",
        env={
            **base,
            "HTTPS_PROXY": proxy.url,
            "REQUESTS_CA_BUNDLE": standin.ca_bundle,
            "MONITOR_DB": str(tmp_path / "m.duckdb"),
            **password_login(),
        },
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"salesforce: ok (password login as {SYNC_USERNAME}")
    assert SYNC_USER_ID in result.stdout
    for secret in (PASSWORD, SECURITY_TOKEN):
        assert secret not in result.stdout + result.stderr
    assert "login.salesforce.com" in proxy.hosts and INSTANCE_HOST in proxy.hosts

"""Signature checks and start-up settings: clear errors, secrets never echoed."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from emulator import FIXTURES
from pydantic import ValidationError

from bot.cli import main
from bot.cli.flags import describe_errors
from bot.service.settings import ServeSettings
from bot.service.signature import sign, verify

VECTOR = json.loads((FIXTURES / "webhooks" / "signature-test-vector.json").read_text())


def test_signature_matches_githubs_published_vector() -> None:
    secret, body = VECTOR["secret"].encode(), VECTOR["payload"].encode()
    assert sign(secret, body) == VECTOR["x_hub_signature_256"]
    assert verify(secret, body, VECTOR["x_hub_signature_256"])


@pytest.mark.parametrize("header", [None, "", "sha1=abc", VECTOR["signature_hex"],
                                    "sha256=" + "0" * 64, "sha256=é"])
def test_signature_refuses_missing_legacy_or_wrong(header: str | None) -> None:
    assert not verify(VECTOR["secret"].encode(), VECTOR["payload"].encode(), header)


def test_signature_refuses_a_changed_body() -> None:
    assert not verify(VECTOR["secret"].encode(), b"Hello, World?", VECTOR["x_hub_signature_256"])


def _errors(monkeypatch: pytest.MonkeyPatch, **env: str) -> list[str]:
    for key in ("ARIA_WEBHOOK_SECRET", "ARIA_PRIVATE_KEY", "ARIA_APP_ID",
                "ARIA_WEBHOOK_SECRET_FILE", "ARIA_PRIVATE_KEY_FILE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ValidationError) as info:
        ServeSettings()
    return describe_errors(info.value)


def test_missing_settings_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _errors(monkeypatch) == ["ARIA_APP_ID is required (the App ID or client ID)"]
    lines = _errors(monkeypatch, ARIA_APP_ID="1")
    assert lines == ["ARIA_WEBHOOK_SECRET or ARIA_WEBHOOK_SECRET_FILE is required"]


def test_a_key_that_is_not_an_rsa_pem_is_refused_without_echoing_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _errors(monkeypatch, ARIA_APP_ID="1", ARIA_WEBHOOK_SECRET="s3cr3t-value",
                    ARIA_PRIVATE_KEY="-----BEGIN RSA PRIVATE KEY-----\nTOPSECRETBYTES\n")
    assert len(lines) == 1 and "not an unencrypted private key in PEM format" in lines[0]
    assert "TOPSECRET" not in lines[0] and "s3cr3t" not in lines[0]

    ec_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    lines = _errors(monkeypatch, ARIA_APP_ID="1", ARIA_WEBHOOK_SECRET="s",
                    ARIA_PRIVATE_KEY=ec_pem)
    assert lines == ["ARIA_PRIVATE_KEY must be an RSA key (GitHub signs App JWTs with RS256)"]


def test_secrets_from_files_and_flattened_pem(tmp_path, rsa_pem: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "secret").write_text("from-file\n")
    monkeypatch.setenv("ARIA_PRIVATE_KEY", rsa_pem.replace("\n", "\\n"))
    monkeypatch.delenv("ARIA_WEBHOOK_SECRET", raising=False)
    s = ServeSettings(app_id="1", webhook_secret_file=tmp_path / "secret", state_dir=tmp_path)
    assert s.secret_bytes() == b"from-file"
    assert s.private_key_pem() == rsa_pem.strip()
    assert s.database_url == f"sqlite:///{tmp_path / 'aria.db'}"
    assert "from-file" not in repr(s) and "PRIVATE KEY" not in repr(s)


def test_aria_serve_reports_bad_settings_and_exits_2(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ARIA_WEBHOOK_SECRET", "hush-hush")
    monkeypatch.setenv("ARIA_PRIVATE_KEY", "not a key")
    assert main(["serve", "--app-id", "1", "--port", "80000"]) == 2
    assert "ARIA_PORT: Input should be less than or equal to 65535" in capsys.readouterr().err
    assert main(["serve", "--app-id", "1", "--port", "8000"]) == 2
    err = capsys.readouterr().err
    assert "ARIA_PRIVATE_KEY is not an unencrypted private key in PEM format" in err
    assert "hush-hush" not in err and "not a key" not in err

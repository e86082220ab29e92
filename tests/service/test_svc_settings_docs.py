"""The settings table in docs/settings.md is the one the settings models make: it cannot drift."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.cli import main
from bot.cli.settings_table import BEGIN, END, settings_table
from bot.jobs.settings import JobSettings
from bot.narrative.settings import NarrativeSettings
from bot.probes.settings import ProbeSettings

DOC = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def test_docs_hold_the_generated_settings_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = text[text.index(BEGIN):text.index(END) + len(END)] + "\n"
    assert documented == settings_table(), "run `aria config settings` and paste it in the docs"


def test_every_setting_of_every_component_is_in_the_table() -> None:
    table = settings_table()
    for model in (JobSettings, NarrativeSettings, ProbeSettings):
        for name in model.model_fields:
            assert f"`{model.env_name(name)}`" in table
    # The sweep settings of the broker mode, and one lease setting for both modes.
    for variable in ("ARIA_JOB_LEASE_SECONDS", "ARIA_SWEEP_INTERVAL", "ARIA_STALE_AFTER"):
        assert f"`{variable}`" in table
    assert "WORKER_LEASE" not in table


def test_aria_config_settings_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "settings"]) == 0
    assert capsys.readouterr().out == settings_table()


def test_the_old_lease_name_is_refused_with_its_new_name(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARIA_WORKER_LEASE_SECONDS", "60")
    with pytest.raises(ValidationError, match="renamed ARIA_JOB_LEASE_SECONDS"):
        JobSettings()

"""Every setting in one Markdown table, made from the settings models (`aria config settings`).

`docs/settings.md` holds the table between markers, and a test keeps it equal to this output,
so the documentation cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

from pydantic.fields import FieldInfo

from bot.cli.ci import CiSettings
from bot.cli.flags import VALUE_ONLY_IN_ENV
from bot.cli.org_audit import OrgAuditSettings
from bot.cli.worker import WorkerSettings
from bot.deliver.settings import AppSettings, GitHubSettings
from bot.graph.prices import GpuPriceSettings
from bot.ingest.cache import CacheSettings, default_parse_cache_dir
from bot.jobs.settings import JobSettings
from bot.narrative.settings import NarrativeSettings
from bot.orgaudit.settings import ScheduleSettings
from bot.probes.settings import ProbeSettings
from bot.render.escape import table_cell
from bot.service.settings import ServeSettings
from bot.settings import AriaSettings, default_cache_dir, default_state_dir
from bot.telemetry.settings import PrometheusSettings

BEGIN, END = "<!-- settings:begin -->", "<!-- settings:end -->"

# (title, model, the commands that read it); each model lists the fields it adds.
SECTIONS: list[tuple[str, type[AriaSettings], str]] = [
    ("GitHub", GitHubSettings, "`serve`, `worker`, `audit --org`, `action`"),
    ("The GitHub App's identity", AppSettings, "`serve`, `worker`, `audit --org`"),
    ("Jobs", JobSettings, "`serve`, `worker`, `audit --org`"),
    ("Webhook server", ServeSettings, "`serve`"),
    ("Workers", WorkerSettings, "`worker`"),
    ("Scheduled organisation audits", ScheduleSettings, "`worker`"),
    ("Language model (optional)", NarrativeSettings, "every command that writes a review"),
    ("Latency probes", ProbeSettings, "`probe`, and reviews of changed Triton configs"),
    ("Production telemetry (optional)", PrometheusSettings,
     "every command that reviews or audits"),
    ("GPU prices (optional)", GpuPriceSettings, "every command that reviews or audits"),
    ("Continuous integration", CiSettings, "`review`, `audit`"),
    ("Parse cache", CacheSettings, "every command that reviews or audits"),
]
# Models whose fields are also flags of the commands that read them.
WITH_FLAGS = (GitHubSettings, AppSettings, JobSettings, ServeSettings, WorkerSettings,
              ScheduleSettings, OrgAuditSettings)


def _own_fields(model: type[AriaSettings]) -> list[str]:
    inherited = {name for base in model.__mro__[1:] if isinstance(base, type)
                 and issubclass(base, AriaSettings) for name in base.model_fields}
    return [name for name in model.model_fields if name not in inherited]


def _default(field: FieldInfo) -> str:
    if field.default_factory is default_state_dir:
        return "`$XDG_STATE_HOME/aria`"
    if field.default_factory is default_cache_dir:
        return "`$XDG_CACHE_HOME/aria`"
    if field.default_factory is default_parse_cache_dir:
        return "`$XDG_CACHE_HOME/aria/parse`"
    value: Any = field.get_default(call_default_factory=True)
    if value is None or value == "" or value == {}:
        return "—"
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"`{value}`"


def _cell(text: str) -> str:
    return table_cell(text).replace("<", "&lt;").replace(">", "&gt;")


def settings_table() -> str:
    lines = [BEGIN]
    for title, model, commands in SECTIONS:
        lines += ["", f"**{title}** — read by {commands}", "",
                  "| variable | flag | default | meaning |", "| --- | --- | --- | --- |"]
        for name in _own_fields(model):
            field = model.model_fields[name]
            flag = "—" if model not in WITH_FLAGS or name in VALUE_ONLY_IN_ENV else \
                f"`--{name.replace('_', '-')}`"
            lines.append(f"| `{model.env_name(name)}` | {flag} | {_default(field)} | "
                         f"{_cell(field.description or '')} |")
    lines += ["", END]
    return "\n".join(lines) + "\n"

"""The operator's price table: what one node of an instance type costs per hour.

Trust boundary: only the operator's environment names the table (`ARIA_GPU_PRICES`), never a
file in the pull request or the repository, so a change cannot set the prices its own review
quotes. Without a table, cost figures stay in GPU-hours; Aria ships no prices of its own (they
differ by region, contract and date).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.ingest.yamlload import YamlError, load_documents
from bot.settings import AriaSettings


class GpuPriceSettings(AriaSettings):
    gpu_prices: Path | None = Field(
        default=None,
        description="a YAML price table (`currency:`, `hourly:` instance type → price of one "
                    "node-hour); GPU cost cliffs are then stated in money as well as GPU-hours")


class PriceTable(BaseModel):
    # validated only where the operator names a table: built then, not by every review
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    currency: str = Field(min_length=1)
    hourly: dict[str, float]
    source: str = ""  # the file's name, as figures cite it (no directory: it may be private)

    def per_hour(self, machine: str) -> float | None:
        """The hourly price of one node of `machine` (any case), or None when not listed."""
        wanted = machine.strip().lower()
        return next((price for name, price in self.hourly.items()
                     if name.lower() == wanted), None)


class PriceTableError(ValueError):
    """The operator's price table cannot be read."""


def load_prices(settings: GpuPriceSettings | None = None) -> PriceTable | None:
    """The operator's table, or None when `ARIA_GPU_PRICES` is not set."""
    path = (settings or GpuPriceSettings()).gpu_prices
    if path is None:
        return None
    try:
        docs = [value for value, _, _ in load_documents(path.read_text(encoding="utf-8"))]
        table = PriceTable.model_validate({**(docs[0] if docs else {}), "source": path.name})
    except OSError as exc:
        raise PriceTableError(f"ARIA_GPU_PRICES: cannot read {path}: {exc.strerror}") from None
    except YamlError as exc:
        raise PriceTableError(f"ARIA_GPU_PRICES: {path}:{exc.line}: {exc}") from None
    except ValidationError as exc:
        raise PriceTableError(f"ARIA_GPU_PRICES: {path}: {exc}") from None
    bad = sorted(name for name, price in table.hourly.items() if price <= 0)
    if bad:
        raise PriceTableError(f"ARIA_GPU_PRICES: {path}: prices must be above 0: "
                              f"{', '.join(bad)}")
    return table

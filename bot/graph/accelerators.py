"""The instance catalogue: accelerators per node of cloud instance types (`rules/data/`).

The counts are data with their sources (`rules/data/accelerators.yaml`); this is the one loader.
A node pool is a GPU pool because its instance type is in the catalogue (or it carries a GKE
`guest_accelerator` block), never because its name contains the letters "gpu".
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.ingest.cache import aria_digest, kept
from bot.ingest.yamlload import YamlError, load_documents
from bot.resources import data_dir

CATALOGUE_FILE = "accelerators.yaml"
# The file's models validate only where the catalogue is read (then kept, `load_accelerators`):
# built then, not by every process that imports them.
_FILE = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class AcceleratorModel(BaseModel):
    model_config = _FILE
    name: str
    memory_gb: int = Field(gt=0)
    resource: str  # the extended resource the device plugin advertises


class Family(BaseModel):
    model_config = _FILE
    provider: Literal["aws", "gcp", "azure"]
    family: str
    model: str
    source: str = Field(pattern=r"^https://\S+$")
    sizes: dict[str, int]
    shares: dict[str, str] = Field(default_factory=dict)


class GkeTypes(BaseModel):
    model_config = _FILE
    source: str = Field(pattern=r"^https://\S+$")
    types: dict[str, str]


class InstanceType(BaseModel):
    """What one instance type brings: how many accelerators, of which model, said where."""

    model_config = ConfigDict(frozen=True)
    name: str
    count: int
    model: AcceleratorModel
    source: str
    share: str = ""  # a partition of one GPU ("1/6"), when the VM gets one

    @property
    def label(self) -> str:
        """`8× NVIDIA A100 40GB`, as messages write a node's accelerators."""
        if self.share:
            return f"{self.share} of an {self.model.name}"
        return f"{self.count}× {self.model.name}"


class Catalogue(BaseModel):
    model_config = _FILE
    models: dict[str, AcceleratorModel]
    families: list[Family]
    gke_accelerator_types: GkeTypes

    @model_validator(mode="after")
    def _models_exist(self) -> Catalogue:
        named = [f.model for f in self.families] + list(self.gke_accelerator_types.types.values())
        unknown = sorted({m for m in named if m not in self.models})
        if unknown:
            raise ValueError(f"unknown accelerator model(s): {', '.join(unknown)}")
        for f in self.families:
            stray = sorted(set(f.shares) - set(f.sizes))
            if stray:
                raise ValueError(f"{f.family}: shares for sizes not listed: {', '.join(stray)}")
        return self

    def instance(self, name: str) -> InstanceType | None:
        """The catalogue entry of an instance type (Azure sizes in any case), or None."""
        key = name.strip().lower()
        for f in self.families:
            for size, count in f.sizes.items():
                if size.lower() == key:
                    return InstanceType(name=size, count=count, model=self.models[f.model],
                                        source=f.source, share=f.shares.get(size, ""))
        return None

    def family_sizes(self, family: str) -> list[InstanceType]:
        """Every listed size of an instance family (`g5`), for Karpenter family requirements."""
        return [found for f in self.families if f.family.lower() == family.lower()
                for size in f.sizes if (found := self.instance(size)) is not None]

    def gke_model(self, accelerator_type: str) -> AcceleratorModel | None:
        key = self.gke_accelerator_types.types.get(accelerator_type.strip().lower())
        return self.models[key] if key else None


class CatalogueError(ValueError):
    pass


@cache
def load_accelerators() -> Catalogue:
    """Aria's instance catalogue, validated once and kept with the rule catalog."""
    return kept(Catalogue, _read_accelerators, "accelerators", aria_digest())


def _read_accelerators() -> Catalogue:
    path = data_dir("rules") / "data" / CATALOGUE_FILE
    try:
        docs = [value for value, _, _ in load_documents(path.read_text(encoding="utf-8"))]
        return Catalogue.model_validate(docs[0] if docs else {})
    except YamlError as exc:
        raise CatalogueError(f"{path}:{exc.line}: {exc}") from None
    except ValidationError as exc:
        raise CatalogueError(f"{path}: {exc}") from None

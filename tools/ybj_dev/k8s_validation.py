"""Validates Kubernetes manifests offline and strictly: unknown fields and wrong types are errors.

Kubernetes' own kinds are checked against the JSON schemas generated from Kubernetes' OpenAPI that the
`kubernetes-validate` package ships per Kubernetes version (its strict variant); the operators' kinds against the
CRD schemas vendored in deploy/k8s/schemas (ybj_dev.k8s_crd_schemas), whose `metadata` is Kubernetes' ObjectMeta.
A kind with no schema is an error too: nothing passes unchecked.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "schemas"
KUBERNETES_VERSION = "1.34.0"
Manifest = dict[str, Any]


def kubernetes_schema_dir(version: str = KUBERNETES_VERSION) -> Path:
    """The strict schemas of one Kubernetes version inside the kubernetes-validate package."""
    folder = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / f"v{version}-local-strict"
    if not folder.is_dir():
        raise FileNotFoundError(f"kubernetes-validate ships no schemas for Kubernetes {version} ({folder})")
    return folder


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


API_GROUP = re.compile(r"^([^./]*)(?:\.[^/]*)?/")


def _kubernetes_file(api_version: str, kind: str) -> str:
    # kubernetes-validate's naming: apps/v1 -> apps-v1, rbac.authorization.k8s.io/v1 -> rbac-v1, v1 -> v1
    group_version = API_GROUP.sub(r"\1-", api_version)
    return f"{kind.lower()}-{group_version}.json"


class ManifestValidator:
    """Strict offline validation of Kubernetes and operator documents; `errors(doc)` lists what is wrong."""

    def __init__(self, schemas_dir: Path = SCHEMAS_DIR, kubernetes_version: str = KUBERNETES_VERSION) -> None:
        self.kubernetes_dir = kubernetes_schema_dir(kubernetes_version)
        self.kubernetes_version = kubernetes_version
        definitions = Resource.from_contents(_load(self.kubernetes_dir / "_definitions.json"))
        self._registry: Registry[Any] = definitions @ Registry()
        # (apiVersion, kind) -> the vendored CRD schema file
        self.crd_files: dict[tuple[str, str], Path] = {}
        for path in sorted(schemas_dir.glob("*/*/*.json")):
            schema = _load(path)
            key = (schema["properties"]["apiVersion"]["const"], schema["properties"]["kind"]["const"])
            if key in self.crd_files:
                raise ValueError(f"{key} is vendored twice: {self.crd_files[key]} and {path}")
            self.crd_files[key] = path

    @functools.cache  # noqa: B019 (one validator per test session; the cache lives as long as it does)
    def _validator(self, api_version: str, kind: str) -> Draft202012Validator | None:
        crd = self.crd_files.get((api_version, kind))
        path = crd or self.kubernetes_dir / _kubernetes_file(api_version, kind)
        if not path.is_file():
            return None
        return Draft202012Validator(_load(path), registry=self._registry)

    def schema_of(self, doc: Manifest) -> str | None:
        """Which schema checks the document (a vendored CRD file or Kubernetes <version>), None when there is none."""
        api_version, kind = str(doc.get("apiVersion")), str(doc.get("kind"))
        crd = self.crd_files.get((api_version, kind))
        if crd is not None:
            return crd.parent.parent.name
        has_kubernetes = (self.kubernetes_dir / _kubernetes_file(api_version, kind)).is_file()
        return f"kubernetes-{self.kubernetes_version}" if has_kubernetes else None

    def errors(self, doc: Any) -> list[str]:
        """What is wrong with one document, each naming the field (`spec.replicas: 'x' is not of type 'integer'`)."""
        if not isinstance(doc, dict) or "apiVersion" not in doc or "kind" not in doc:
            return ["not a Kubernetes object (a mapping with apiVersion and kind)"]
        validator = self._validator(str(doc["apiVersion"]), str(doc["kind"]))
        if validator is None:
            return [
                f"no schema for {doc['kind']} ({doc['apiVersion']}) in Kubernetes {self.kubernetes_version} nor "
                f"vendored in deploy/k8s/schemas (add its operator's CRD: deploy/k8s/schemas/README.md)"
            ]
        return [_describe(error) for error in _leaves(validator.iter_errors(doc))]


def _leaves(errors: Iterator[ValidationError]) -> Iterator[ValidationError]:
    """The most specific errors: for anyOf/oneOf, the reasons of each branch instead of one vague line."""
    for error in errors:
        if error.context:
            yield from _leaves(iter(error.context))
        else:
            yield error


def _describe(error: ValidationError) -> str:
    where = ".".join(str(part) for part in error.absolute_path) or "(document)"
    return f"{where}: {error.message}"

"""Vendors the operators' CRD schemas into deploy/k8s/schemas as strict JSON Schema files (deploy/k8s/schemas/README.md).

`python -m ybj_dev.k8s_crd_schemas --strimzi-install DIR` reads each CRD from its release: CloudNativePG, its Barman
Cloud plugin and prometheus-operator from their Go module zips (`go mod download`, the Go module proxy), Strimzi from
the `install/cluster-operator` folder of its release (the release tarball, or a checkout of the release tag). Each
served version's `openAPIV3Schema` is written as JSON Schema (draft 2020-12) that refuses unknown fields, as the API
server's structural pruning would drop them silently. What the conversion does is `strict_schema`'s docstring.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "schemas"
OBJECT_META = "https://kubernetes.io/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"
# Keywords of the CRD dialect with no JSON Schema meaning (the CEL rules cannot be checked offline).
DROPPED = frozenset(
    {
        "description",
        "example",
        "externalDocs",
        "x-kubernetes-validations",
        "x-kubernetes-list-type",
        "x-kubernetes-list-map-keys",
        "x-kubernetes-map-type",
        "x-kubernetes-group-version-kind",
    }
)


@dataclass(frozen=True)
class CrdSource:
    """Where the CRDs of one operator release come from: a Go module zip, or (module None) a Strimzi install folder."""

    operator: str
    version: str
    module: str | None
    files: tuple[str, ...]

    @property
    def folder(self) -> str:
        """The folder of this release under deploy/k8s/schemas."""
        return f"{self.operator}-{self.version}"


SOURCES = (
    CrdSource(
        "strimzi",
        "1.2.0",
        None,
        ("040-Crd-kafka.yaml", "043-Crd-kafkatopic.yaml", "044-Crd-kafkauser.yaml", "045-Crd-kafkanodepool.yaml"),
    ),
    CrdSource(
        "cloudnative-pg",
        "v1.30.1",
        "github.com/cloudnative-pg/cloudnative-pg",
        tuple(
            f"config/crd/bases/postgresql.cnpg.io_{name}.yaml"
            for name in ("clusters", "databases", "scheduledbackups", "backups")
        ),
    ),
    CrdSource(
        "plugin-barman-cloud",
        "v0.15.0",
        "github.com/cloudnative-pg/plugin-barman-cloud",
        ("config/crd/bases/barmancloud.cnpg.io_objectstores.yaml",),
    ),
    CrdSource(
        "prometheus-operator",
        "v0.93.0",
        "github.com/prometheus-operator/prometheus-operator",
        tuple(
            f"example/prometheus-operator-crd/monitoring.coreos.com_{name}.yaml"
            for name in ("servicemonitors", "podmonitors", "prometheusrules")
        ),
    ),
)


def strict_schema(node: Any) -> Any:
    """The JSON Schema of a structural OpenAPI v3 schema, refusing what the API server would prune.

    * an object schema with `properties` and no `additionalProperties` refuses other keys, unless it is marked
      `x-kubernetes-preserve-unknown-fields` (free-form); one with neither is free-form, as in the API server;
    * `x-kubernetes-embedded-resource` objects also take apiVersion, kind and metadata;
    * `nullable: true` adds "null" to the type; `x-kubernetes-int-or-string` is an integer or a string;
    * descriptions, examples and the CEL rules (`x-kubernetes-validations`, not checkable offline) are dropped.
    """
    if isinstance(node, list):
        return [strict_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in DROPPED or key.startswith("x-kubernetes-"):
            continue
        if key in {"properties", "patternProperties", "$defs", "definitions"}:
            out[key] = {name: strict_schema(sub) for name, sub in value.items()}
        elif key in {"enum", "required", "default", "const"}:
            out[key] = value
        else:
            out[key] = strict_schema(value)
    if node.get("x-kubernetes-int-or-string") and "anyOf" not in out:
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable"):
        out.pop("nullable")
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
    preserve = bool(node.get("x-kubernetes-preserve-unknown-fields"))
    if node.get("x-kubernetes-embedded-resource"):
        props = out.setdefault("properties", {})
        props.setdefault("apiVersion", {"type": "string"})
        props.setdefault("kind", {"type": "string"})
        props.setdefault("metadata", {"type": "object"})
    if "properties" in out and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    return out


def document_schemas(crd: dict[str, Any], source: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(file name, JSON Schema) of every served version of a CRD: `<group>/<kind>_<version>.json`."""
    spec = crd["spec"]
    group, kind = spec["group"], spec["names"]["kind"]
    for version in spec["versions"]:
        if not version.get("served", True):
            continue
        schema = strict_schema(version["schema"]["openAPIV3Schema"])
        props = schema.setdefault("properties", {})
        props["apiVersion"] = {"const": f"{group}/{version['name']}"}
        props["kind"] = {"const": kind}
        props["metadata"] = {"$ref": OBJECT_META}
        schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind", "metadata"})
        schema["additionalProperties"] = False
        yield (
            f"{group}/{kind.lower()}_{version['name']}.json",
            {"$schema": JSON_SCHEMA, "$comment": source, **schema},
        )


def _module_zip(module: str, version: str) -> Path:
    go = shutil.which("go")
    if go is None:
        raise SystemExit("refreshing the CRD schemas needs Go (`go mod download` reads the Go module proxy)")
    done = subprocess.run(
        [go, "mod", "download", "-json", f"{module}@{version}"], capture_output=True, text=True, check=True
    )
    return Path(json.loads(done.stdout)["Zip"])


def _read_crds(source: CrdSource, strimzi_install: Path | None) -> Iterator[tuple[str, bytes]]:
    if source.module is None:
        if strimzi_install is None:
            raise SystemExit("pass --strimzi-install: the install/cluster-operator folder of the Strimzi release")
        for name in source.files:
            yield f"strimzi {source.version} install/cluster-operator/{name}", (strimzi_install / name).read_bytes()
        return
    archive = _module_zip(source.module, source.version)
    with zipfile.ZipFile(archive) as zipped:
        for name in source.files:
            data = zipped.read(f"{source.module}@{source.version}/{name}")
            yield f"{source.module}@{source.version} {name}", data


def refresh(strimzi_install: Path | None, schemas_dir: Path = SCHEMAS_DIR) -> list[Path]:
    """Write every source's schemas anew (a release folder is replaced whole); return the files written."""
    written: list[Path] = []
    for source in SOURCES:
        folder = schemas_dir / source.folder
        shutil.rmtree(folder, ignore_errors=True)
        for origin, data in _read_crds(source, strimzi_install):
            digest = hashlib.sha256(data).hexdigest()
            for crd in (
                doc for doc in yaml.safe_load_all(data) if doc and doc.get("kind") == "CustomResourceDefinition"
            ):
                for name, schema in document_schemas(crd, f"{origin} (sha256 {digest})"):
                    path = folder / name
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n", encoding="utf-8")
                    written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Refresh deploy/k8s/schemas from the releases named in SOURCES."""
    parser = argparse.ArgumentParser(prog="python -m ybj_dev.k8s_crd_schemas", description=__doc__)
    parser.add_argument("--strimzi-install", type=Path, help="install/cluster-operator of the Strimzi release")
    parser.add_argument("--schemas-dir", type=Path, default=SCHEMAS_DIR)
    args = parser.parse_args(argv)
    for path in refresh(args.strimzi_install, args.schemas_dir):
        print(path.relative_to(args.schemas_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())

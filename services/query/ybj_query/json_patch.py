"""A small RFC 6902 JSON Patch applier for the registry events' patches (ybj_kernel/envelope.py `to_registry_envelope`).

The patches are the registries' own (`jsonpatch.make_patch` in ybj_kernel/domain/registry.py) and apply as that
library applies them; this does it in a fraction of its time (it builds and validates every operation twice), which
matters when a projector applies thousands a second. A patch that does not fit raises, as the library would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson


def patched(doc: Any, patch: Sequence[dict[str, Any]]) -> Any:
    """Apply a JSON Patch (RFC 6902) to `doc` in place and return the result (a new one only for a root `path`).

    The values it puts in are copies: the patch stays as it was, whatever later patches do to the document.
    """
    for op in patch:
        kind, path = op["op"], op["path"]
        if kind == "add":
            doc = _put(doc, path, _fresh(op["value"]), insert=True)
        elif kind == "replace":
            doc = _put(doc, path, _fresh(op["value"]), insert=False)
        elif kind == "remove":
            _take(doc, path)
        elif kind == "move":
            doc = _put(doc, path, _take(doc, op["from"]), insert=True)
        elif kind == "copy":
            doc = _put(doc, path, _fresh(_at(doc, op["from"])), insert=True)
        elif kind == "test":
            if _at(doc, path) != op["value"]:
                raise ValueError(f"JSON Patch test failed at {path!r}")
        else:
            raise ValueError(f"unknown JSON Patch operation {kind!r}")
    return doc


def _fresh(value: Any) -> Any:
    """A copy of a JSON value (orjson: ~20x faster than a deepcopy)."""
    return orjson.loads(orjson.dumps(value)) if isinstance(value, dict | list) else value


def _tokens(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON Pointer: {pointer!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _step(container: Any, token: str) -> Any:
    return container[int(token)] if isinstance(container, list) else container[token]


def _at(doc: Any, pointer: str) -> Any:
    for token in _tokens(pointer):
        doc = _step(doc, token)
    return doc


def _parent(doc: Any, pointer: str) -> tuple[Any, str]:
    tokens = _tokens(pointer)
    container = doc
    for token in tokens[:-1]:
        container = _step(container, token)
    return container, tokens[-1]


def _put(doc: Any, pointer: str, value: Any, *, insert: bool) -> Any:
    if pointer == "":
        return value
    container, last = _parent(doc, pointer)
    if isinstance(container, list):
        if last == "-" and insert:
            container.append(value)
        elif insert:
            index = int(last)
            if not 0 <= index <= len(container):
                raise IndexError(f"JSON Patch index {index} out of range")
            container.insert(index, value)
        else:
            container[int(last)] = value
    elif isinstance(container, dict):
        if not insert and last not in container:
            raise KeyError(f"JSON Patch replaces a missing member {last!r}")
        container[last] = value
    else:
        raise TypeError(f"JSON Patch path {pointer!r} does not lead into an object or array")
    return doc


def _take(doc: Any, pointer: str) -> Any:
    container, last = _parent(doc, pointer)
    if isinstance(container, list):
        return container.pop(int(last))
    if isinstance(container, dict):
        return container.pop(last)
    raise TypeError(f"JSON Patch path {pointer!r} does not lead into an object or array")

"""The enrollment (参保征缴) processes this service runs, by catalogue id: one module per process, `pNNN_<name>.py`."""

import importlib
import pkgutil

from ybj_kernel.domain.process import ProcessDefinition


def _collect() -> dict[str, ProcessDefinition]:
    """Every `P0NN` definition of the `p0NN_*` modules of this package, by id."""
    found: dict[str, ProcessDefinition] = {}
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name[:1] == "p" and m.name[1:4].isdigit()):
        definition = getattr(importlib.import_module(f"{__name__}.{module}"), f"P{module[1:4]}")
        found[definition.id] = definition
    return found


PROCESSES: dict[str, ProcessDefinition] = _collect()

"""The enrollment (参保征缴) processes this service runs, by id: one module per process, `pNNN_<name>.py` for a
catalogue process, `sNNN_<name>.py` for one the project adds behind service item NNN (which has no guide)."""

import importlib
import pkgutil

from ybj_kernel.domain.process import ProcessDefinition


def _collect() -> dict[str, ProcessDefinition]:
    """Every `PNNN` (`SNNN`) definition of the `pNNN_*` (`sNNN_*`) modules of this package, by id."""
    found: dict[str, ProcessDefinition] = {}
    for module in sorted(
        m.name for m in pkgutil.iter_modules(__path__) if m.name[:1] in "ps" and m.name[1:4].isdigit()
    ):
        definition = getattr(importlib.import_module(f"{__name__}.{module}"), module[:4].upper())
        found[definition.id] = definition
    return found


PROCESSES: dict[str, ProcessDefinition] = _collect()

"""The gateway's processes by area (one today: channels); each area lists its processes, registries, rules and example
walks, as the other services' areas do."""

from ybj_gateway.areas import channels
from ybj_kernel.domain.process import ProcessDefinition

AREAS = (channels,)
PROCESSES: dict[str, ProcessDefinition] = {p.id: p for area in AREAS for p in area.PROCESSES}
EXAMPLE_PREREQUISITES: dict[str, tuple[str, ...]] = {
    k: v for area in AREAS for k, v in area.EXAMPLE_PREREQUISITES.items()
}

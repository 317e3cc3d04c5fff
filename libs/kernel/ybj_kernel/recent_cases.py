"""The cases this process saved lately, so that the next command on one need not read it back from the store.

A case at a given version is the same wherever it is read: its events never change. A command names the version it
acts on (`expected_version`), so a case kept here at exactly that version is the one the store would give, unless
another process appended to it since, and then saving the command's events collides with that append in the store
(the same version twice) and the command is refused as a concurrent update: what it would have been told anyway,
one step later. Kept copies are handed out as copies: a command that fails leaves nothing of itself here.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from uuid import UUID

from ybj_kernel.domain.case import Case

# Cases kept per process (a few kilobytes each): the ones whose next step is likely soon.
CASES_KEPT = 2_000


class RecentCases:
    """The last `size` cases saved by this process, each at the version it was saved at."""

    def __init__(self, size: int = CASES_KEPT) -> None:
        self._size = size
        self._cases: OrderedDict[UUID, Case] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, case: Case) -> None:
        """Keep `case` as just saved (the caller does not change it afterwards)."""
        with self._lock:
            self._cases[case.id] = case
            self._cases.move_to_end(case.id)
            while len(self._cases) > self._size:
                self._cases.popitem(last=False)

    def at(self, case_id: UUID, version: int) -> Case | None:
        """A copy of the case kept at exactly `version`, or None (not kept, or kept at another version)."""
        with self._lock:
            kept = self._cases.get(case_id)
        if kept is None or kept.version != version:
            return None
        return copy.deepcopy(kept)

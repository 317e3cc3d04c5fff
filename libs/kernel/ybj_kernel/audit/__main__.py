"""`python -m ybj_kernel.audit …`: the same commands as `ybj audit …` (how the process supervisor starts the checkpointer)."""

from __future__ import annotations

import sys

from ybj_kernel.cli import main

if __name__ == "__main__":
    main(["audit", *sys.argv[1:]])

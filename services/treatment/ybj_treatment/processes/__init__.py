"""The treatment (医保待遇) processes, one module per catalogue process; ybj_treatment.areas lists them by area."""

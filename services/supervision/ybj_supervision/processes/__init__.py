"""The supervision (智能监管/稽核) processes, one module per catalogue process; ybj_supervision.areas lists them by area."""

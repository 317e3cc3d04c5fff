"""The settlement (结算/清算/拨付) processes, one module per catalogue process; ybj_settlement.areas lists them by area."""

"""The treatment service's rules, one module per area."""

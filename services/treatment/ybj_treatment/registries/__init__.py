"""The treatment service's registries, one module per area."""

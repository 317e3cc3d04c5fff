"""Settlement registries, one module per thing they hold."""

"""Settlement rules, one module per thing they hold."""

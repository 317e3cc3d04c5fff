"""The gateway's registries: the channels admitted through P092."""

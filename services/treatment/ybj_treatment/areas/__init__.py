"""The treatment processes by area; each area module lists its processes, registries, rules and example walks.

Every area exports `PROCESSES`, `REGISTRIES`, `RULES` and `EXAMPLE_PREREQUISITES` (what a process's stage examples
need walked first, in the same service: process id, or "P0NN:variant", to the processes walked before it, in order).
"""

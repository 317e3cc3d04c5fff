"""The gateway's processes (P092 channel admission), one module each."""

"""Pure rules of the notify service: no I/O imports here."""

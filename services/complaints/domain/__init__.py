"""Pure rules of the complaints service: no I/O imports here."""

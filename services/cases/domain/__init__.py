"""Pure rules of the cases service: no I/O imports here."""

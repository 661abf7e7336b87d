"""Pure rules of the credit service: no I/O imports here."""

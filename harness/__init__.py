"""What tests, drills and benchmarks share: the stack as real processes (stack.py) on scratch databases
(scratch.py), a load of complaints (load.py), its reconciliation (reconcile.py), a webhook receiver (webhooks.py).
It imports none of them (.importlinter)."""

"""What every service's domain stands on: aggregates that record their events and timeline steps. No I/O here."""
from .aggregate import Aggregate, Recorded, Step

__all__ = ["Aggregate", "Recorded", "Step"]

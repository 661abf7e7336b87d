"""The agency registry (data) and 1+N routing."""
from .model import (Agency, Category, JointMeeting, Platform, Region, Registry, RegistryError, Routing,
                    UnknownAgency, UnknownCategory, UnknownPlatform, UnknownRegion, UnservedRegion)

__all__ = ["Agency", "Category", "JointMeeting", "Platform", "Region", "Registry", "RegistryError", "Routing",
           "UnknownAgency", "UnknownCategory", "UnknownPlatform", "UnknownRegion", "UnservedRegion"]

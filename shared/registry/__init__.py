"""The agency registry (data) and 1+N routing."""
from .model import (INTAKE, Agency, Category, Function, JointMeeting, Platform, Region, Registry, RegistryError,
                    Routing, UnknownAgency, UnknownCategory, UnknownPlatform, UnknownRegion, UnservedRegion)

__all__ = ["INTAKE", "Agency", "Category", "Function", "JointMeeting", "Platform", "Region", "Registry",
           "RegistryError", "Routing", "UnknownAgency", "UnknownCategory", "UnknownPlatform", "UnknownRegion",
           "UnservedRegion"]

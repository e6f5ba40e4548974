"""The member register and the member lifecycle (development, transfers, floating and
lost-contact members, relationship checks, dispositions)."""

from members.models.lifecycle import (
    CheckFinding,
    Development,
    Disposition,
    FloatingRecord,
    LostContact,
    LostContactStep,
    RelationshipCheck,
    Transfer,
)
from members.models.register import Approval, IdNumberReveal, Member, Post

__all__ = [
    "Approval",
    "CheckFinding",
    "Development",
    "Disposition",
    "FloatingRecord",
    "IdNumberReveal",
    "LostContact",
    "LostContactStep",
    "Member",
    "Post",
    "RelationshipCheck",
    "Transfer",
]

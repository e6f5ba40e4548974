"""The member register and the member lifecycle (development, transfers, floating and
lost-contact members, relationship checks, dispositions)."""

from members.models.lifecycle import Development
from members.models.register import Approval, IdNumberReveal, Member, Post
from members.models.tracking import (
    CheckFinding,
    Disposition,
    LostContact,
    LostContactStep,
    RelationshipCheck,
)
from members.models.transfers import FloatingRecord, Transfer

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

"""The models of orgs: reference data, users and the 一社一档 archive (archive.py), and
Party organizations with their workstations (party.py)."""

from orgs.models.archive import (
    OrgDocument,
    OrgYearRecord,
    Region,
    Sector,
    SocialOrg,
    SocialOrgQuerySet,
    Unit,
    User,
    Zone,
    document_upload_to,
    stale_cutoff,
)
from orgs.models.party import (
    PartyOrganization,
    PartyOrgQuerySet,
    Workstation,
    WorkstationQuerySet,
)

__all__ = [
    "OrgDocument",
    "OrgYearRecord",
    "PartyOrgQuerySet",
    "PartyOrganization",
    "Region",
    "Sector",
    "SocialOrg",
    "SocialOrgQuerySet",
    "Unit",
    "User",
    "Workstation",
    "WorkstationQuerySet",
    "Zone",
    "document_upload_to",
    "stale_cutoff",
]

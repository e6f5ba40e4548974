"""The models of orgs: reference data, users and the 一社一档 archive (archive.py), Party
organizations with their workstations (party.py), and work coverage with its plans and
follow-up visits (coverage.py)."""

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
from orgs.models.coverage import CoveragePlan, FollowUpVisit, MassOrganization
from orgs.models.party import (
    PartyOrganization,
    PartyOrgQuerySet,
    PartyOrgScopedQuerySet,
    Workstation,
    WorkstationQuerySet,
)

__all__ = [
    "CoveragePlan",
    "FollowUpVisit",
    "MassOrganization",
    "OrgDocument",
    "OrgYearRecord",
    "PartyOrgQuerySet",
    "PartyOrgScopedQuerySet",
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

"""A user's scope (domain.md §1): what their unit may see, as one `Q` on the social org.

The unit's kind and level decide it. Every list, detail page, choice list, autocomplete,
import and export calls `Scope.for_user(user)` and `Model.objects.for_scope(scope)`.
"""

from dataclasses import dataclass
from enum import Enum

from django.db.models import Q

from orgs.models import PartyOrganization, Region, SocialOrg, Unit


class ScopeKind(Enum):
    ALL = "all"  # administrators
    NONE = "none"  # a user with no unit: sees nothing
    REGISTRATION = "registration"  # orgs registered by its office
    JURISDICTION = "jurisdiction"  # every org in its region (两新工委, 组织部)
    SUPERVISOR = "supervisor"  # orgs it supervises, or licensed (司法局 and law firms)
    INDUSTRY = "industry"  # orgs of its sector in its region
    STREET = "street"  # community orgs in its street
    FALLBACK = "fallback"  # orgs whose managing channel is the fallback, in its region
    PARTY_ORG = "party_org"  # an org's Party secretary: the orgs their Party organization covers


_KIND_BY_UNIT = {
    Unit.Kind.REGISTRATION: ScopeKind.REGISTRATION,
    Unit.Kind.TWO_NEW: ScopeKind.JURISDICTION,
    Unit.Kind.ORGANIZATION_DEPT: ScopeKind.JURISDICTION,
    Unit.Kind.SUPERVISOR: ScopeKind.SUPERVISOR,
    Unit.Kind.INDUSTRY_COMMITTEE: ScopeKind.INDUSTRY,
    Unit.Kind.STREET_COMMITTEE: ScopeKind.STREET,
    Unit.Kind.FALLBACK_COMMITTEE: ScopeKind.FALLBACK,
    Unit.Kind.FINANCE: ScopeKind.JURISDICTION,
}


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    unit_id: int | None = None
    unit_level: str | None = None
    region_id: int | None = None
    sector: str = ""
    party_org_id: int | None = None

    @classmethod
    def for_user(cls, user):
        if not user or not user.is_authenticated or not user.is_active:
            return cls(ScopeKind.NONE)
        if user.is_superuser:
            return cls(ScopeKind.ALL)
        unit = user.unit
        if unit is not None:
            return cls.for_unit(unit)
        if user.party_org_id:
            return cls(ScopeKind.PARTY_ORG, party_org_id=user.party_org_id)
        return cls(ScopeKind.NONE)

    @classmethod
    def for_unit(cls, unit):
        return cls(
            kind=_KIND_BY_UNIT[unit.kind],
            unit_id=unit.pk,
            unit_level=unit.level,
            region_id=unit.region_id,
            sector=unit.sector,
        )

    @property
    def sees_everything(self):
        return self.kind is ScopeKind.ALL

    def _region_q(self):
        """The unit's territory: the city, its district, or its street."""
        if self.unit_level == Unit.Level.CITY:
            return Q(district__parent_id=self.region_id)
        if self.unit_level == Unit.Level.DISTRICT:
            return Q(district_id=self.region_id)
        return Q(street_id=self.region_id)

    def _org_q(self):
        kind = self.kind
        if kind is ScopeKind.ALL:
            return Q()
        if kind is ScopeKind.NONE:
            return Q(pk__in=[])
        if kind is ScopeKind.REGISTRATION:
            return Q(registration_authority_id=self.unit_id)
        if kind is ScopeKind.JURISDICTION:
            return self._region_q()
        if kind is ScopeKind.PARTY_ORG:
            # A subquery, not a join through the many-to-many table: joined into a larger
            # OR (a member's own Party organization, say) the join repeats rows.
            covered = PartyOrganization.covered_orgs.through.objects.filter(
                partyorganization_id=self.party_org_id
            ).values("socialorg_id")
            return Q(pk__in=covered)
        # The managing channels (§八) see the orgs they manage by the stored channel
        # (orgs.channels), besides those their kind gives them.
        managed = Q(channel_unit_id=self.unit_id)
        if kind is ScopeKind.SUPERVISOR:
            # §八: the sector's authority manages the professional firms it licensed.
            return (
                Q(supervising_unit_id=self.unit_id)
                | Q(registration_authority_id=self.unit_id)
                | managed
            )
        if kind is ScopeKind.INDUSTRY:
            return (Q(sector=self.sector) & self._region_q()) | managed
        if kind is ScopeKind.STREET:
            return Q(is_community=True, street_id=self.region_id) | managed
        if kind is ScopeKind.FALLBACK:
            # §八 托底管理: the orgs whose channel is the fallback, in its region.
            return (Q(channel=SocialOrg.Channel.FALLBACK) & self._region_q()) | managed
        raise AssertionError(f"unhandled scope kind {kind}")

    def org_q(self, prefix=""):
        """The scope as a Q on a model whose path to SocialOrg is `prefix`."""
        return _prefixed(self._org_q(), prefix)

    def party_org_q(self):
        """Party organizations a scope holds directly, beyond those covering its orgs."""
        if self.kind is ScopeKind.PARTY_ORG:
            return Q(pk=self.party_org_id)
        return Q(pk__in=[])

    def regions(self):
        """Districts (and their streets) this scope may pick in forms."""
        qs = Region.objects.all()
        if self.kind in (ScopeKind.ALL, ScopeKind.SUPERVISOR):
            return qs
        if self.kind is ScopeKind.PARTY_ORG:
            # Where the orgs their Party organization covers are: districts and streets.
            covered = SocialOrg.objects.filter(party_orgs__id=self.party_org_id)
            return qs.filter(
                Q(pk__in=covered.values("district_id"))
                | Q(pk__in=covered.exclude(street=None).values("street_id"))
            )
        if self.kind is ScopeKind.NONE:
            return qs.none()
        if self.unit_level == Unit.Level.CITY:
            return qs.filter(Q(parent_id=self.region_id) | Q(parent__parent_id=self.region_id))
        if self.unit_level == Unit.Level.DISTRICT:
            return qs.filter(Q(pk=self.region_id) | Q(parent_id=self.region_id))
        return qs.filter(pk=self.region_id)


def _prefixed(q, prefix):
    """Rewrite every lookup of `q` to start with `prefix` (e.g. "org__")."""
    if not prefix:
        return q
    clone = Q()
    clone.connector = q.connector
    clone.negated = q.negated
    clone.children = [
        _prefixed(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1])
        for child in q.children
    ]
    return clone


def scope_contains_org(scope, org):
    """Whether `org` (saved) is inside `scope`, asked of the database with the same Q."""
    return SocialOrg.objects.for_scope(scope).filter(pk=org.pk).exists()

"""管理体制 (§八): which body manages each org's Party building, stored on the org.

`rules.managing_channel` decides the channel from the org's own fields (first matching
rule wins); this module finds the unit that stands for the channel and writes both, with
the rule's number, on the org:

1. strict-access professions → the sector's industry Party committee (the district's if
   there is one, else the city's), else the sector's authority (司法局 …);
2. a supervising unit → that unit;
3. a community org → the committee of its street;
4. otherwise → the civil-affairs fallback committee (the district's, else the city's).

Key orgs are also linked to the 两新工委 of their registration level (双重管理).

An officer may override the channel and its unit with a reason; the override then stays
while the rule's own result (`channel_rule`) keeps following the data. Saves, imports and
changes of units recompute; the scope of a managing unit includes the orgs whose
`channel_unit` it is (orgs.scopes).
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orgs import rules
from orgs.history import CHANGED, record_history
from orgs.models import SocialOrg, Unit

Channel = SocialOrg.Channel
RULE_NUMBER = {
    rules.SECTOR_AUTHORITY: 1,
    rules.SUPERVISOR: 2,
    rules.STREET: 3,
    rules.FALLBACK: 4,
}
HISTORY_REASON_LENGTH = 100  # simple-history's history_change_reason
# The fields the channel follows, and the fields it writes.
INPUTS = (
    "kind",
    "sector",
    "supervising_unit",
    "registration_authority",
    "registration_level",
    "is_community",
    "street",
    "district",
    "is_key",
)
OUTPUTS = ("channel", "channel_rule", "channel_unit", "key_unit")
# A save naming any of these (update_fields) recomputes the channel.
TRIGGERS = frozenset({*INPUTS, *OUTPUTS, "channel_override_reason"})
# The strict-access sector of a professional firm, whatever its 行业领域 says.
SECTOR_OF_KIND = {"law_firm": "legal", "accounting_firm": "accounting", "tax_firm": "tax"}
# Which units may stand for a channel when an officer chooses one.
UNIT_KINDS = {
    Channel.SECTOR: (Unit.Kind.INDUSTRY_COMMITTEE, Unit.Kind.SUPERVISOR),
    Channel.SUPERVISOR: (Unit.Kind.SUPERVISOR,),
    Channel.STREET: (Unit.Kind.STREET_COMMITTEE,),
    Channel.FALLBACK: (Unit.Kind.FALLBACK_COMMITTEE,),
}


@dataclass
class Resolver:
    """The units that can manage orgs, loaded once for any number of orgs."""

    industry: dict = field(default_factory=dict)  # (sector, district id or None) -> unit id
    street: dict = field(default_factory=dict)  # street id -> unit id
    fallback: dict = field(default_factory=dict)  # district id or None -> unit id
    two_new: dict = field(default_factory=dict)  # district id or None -> unit id
    supervisors: set = field(default_factory=set)

    @classmethod
    def load(cls, unit_model=Unit):
        resolver = cls()
        units = unit_model.objects.order_by("name").values_list(
            "pk", "kind", "level", "region_id", "sector"
        )
        for pk, kind, level, region_id, sector in units:
            # City units answer for every district without one of its own.
            place = region_id if level == Unit.Level.DISTRICT else None
            if kind == Unit.Kind.INDUSTRY_COMMITTEE and level != Unit.Level.STREET:
                resolver.industry.setdefault((sector, place), pk)
            elif kind == Unit.Kind.STREET_COMMITTEE:
                resolver.street.setdefault(region_id, pk)
            elif kind == Unit.Kind.FALLBACK_COMMITTEE and level != Unit.Level.STREET:
                resolver.fallback.setdefault(place, pk)
            elif kind == Unit.Kind.TWO_NEW and level != Unit.Level.STREET:
                resolver.two_new.setdefault(place, pk)
            elif kind == Unit.Kind.SUPERVISOR:
                resolver.supervisors.add(pk)
        return resolver

    def _nearest(self, table, key, district_id):
        return table.get((*key, district_id) if key else district_id) or table.get(
            (*key, None) if key else None
        )

    def unit_for(self, channel, org):
        if channel == rules.SECTOR_AUTHORITY:
            sector = SECTOR_OF_KIND.get(org.kind, org.sector)
            committee = self._nearest(self.industry, (sector,), org.district_id)
            if committee:
                return committee
            # No sector committee: the authority that supervises or licensed the org.
            for unit_id in (org.supervising_unit_id, org.registration_authority_id):
                if unit_id in self.supervisors:
                    return unit_id
            return None
        if channel == rules.SUPERVISOR:
            return org.supervising_unit_id
        if channel == rules.STREET:
            return self.street.get(org.street_id)
        return self._nearest(self.fallback, (), org.district_id)

    def key_unit_for(self, org):
        if not org.is_key:
            return None
        if org.registration_level == SocialOrg.RegistrationLevel.DISTRICT:
            return self._nearest(self.two_new, (), org.district_id)
        return self.two_new.get(None)


def computed(org, resolver):
    """{field: value} of the channel fields the rules give `org` (ids for the units)."""
    verdict = rules.managing_channel(
        kind=org.kind,
        sector=org.sector,
        has_supervising_unit=org.supervising_unit_id is not None,
        is_community=org.is_community,
        has_street=org.street_id is not None,
    )
    values = {"channel_rule": RULE_NUMBER[verdict.value], "key_unit_id": resolver.key_unit_for(org)}
    if not org.channel_override_reason:
        values["channel"] = verdict.value
        values["channel_unit_id"] = resolver.unit_for(verdict.value, org)
    return values


def assign(orgs, resolver=None):
    """Set the channel fields of `orgs` (in memory); return the orgs that changed."""
    resolver = resolver or Resolver.load()
    changed = []
    for org in orgs:
        values = computed(org, resolver)
        if any(getattr(org, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(org, name, value)
            changed.append(org)
    return changed


def refresh(queryset=None, *, user=None, reason=None, batch_size=2000):
    """Recompute the stored channel of every org in `queryset` (all orgs by default) and
    write the ones that changed, with history. Run after units change. Returns the count."""
    queryset = SocialOrg.objects.all() if queryset is None else queryset
    if user is None:
        # Within a request (an admin save), the history's user is its user.
        request = getattr(HistoricalRecords.context, "request", None)
        user = getattr(request, "user", None)
        user = user if getattr(user, "is_authenticated", False) else None
    resolver = Resolver.load()
    rows = (
        queryset.order_by("pk")
        .only("pk", "channel_override_reason", *INPUTS, *OUTPUTS)
        .iterator(chunk_size=batch_size)
    )
    changed = assign(rows, resolver)
    if changed:
        with transaction.atomic():
            SocialOrg.objects.bulk_update(changed, fields=OUTPUTS, batch_size=batch_size)
            record_history(
                SocialOrg,
                [org.pk for org in changed],
                history_type=CHANGED,
                user=user,
                reason=reason or _("管理体制按规则重新计算"),
                date=timezone.now(),
            )
    return len(changed)


def managing_units(org):
    """The units an officer may choose for `org`: managing bodies of the city, of the
    org's district or of a street in it (not another district's, which would then see
    the org)."""
    kinds = {kind for unit_kinds in UNIT_KINDS.values() for kind in unit_kinds}
    district = org.district_id
    return Unit.objects.filter(kind__in=kinds).filter(
        Q(level=Unit.Level.CITY) | Q(region_id=district) | Q(region__parent_id=district)
    )


def override_problems(channel, unit, reason, org=None):
    """Why an officer's choice of channel and unit cannot stand: {field: message}."""
    errors = {}
    if channel not in Channel.values:
        errors["channel"] = _("请选择管理体制")
    if not (reason or "").strip():
        errors["reason"] = _("人工调整管理体制须填写理由")
    if unit is None:
        errors["unit"] = _("请选择管理单位")
    elif channel in UNIT_KINDS and unit.kind not in UNIT_KINDS[channel]:
        errors["unit"] = _("“{unit}”（{kind}）不能作为“{channel}”的管理单位").format(
            unit=unit.name, kind=unit.get_kind_display(), channel=Channel(channel).label
        )
    elif org is not None and not managing_units(org).filter(pk=unit.pk).exists():
        errors["unit"] = _("“{unit}”不在该社会组织所在区县，不能作为其管理单位").format(
            unit=unit.name
        )
    return errors


def override(org, *, channel, unit, reason, user):
    """An officer's choice of channel and managing unit, kept until cleared."""
    errors = override_problems(channel, unit, reason, org)
    if errors:
        raise ValidationError(errors)
    org.channel = channel
    org.channel_unit = unit
    org.channel_override_reason = reason.strip()
    org._history_user = user
    # The history's reason column holds 100 characters; the whole reason is in the
    # tracked field channel_override_reason.
    org._change_reason = Truncator(
        _("人工调整管理体制：{reason}").format(reason=org.channel_override_reason)
    ).chars(HISTORY_REASON_LENGTH)
    org.save()


def clear_override(org, *, user):
    """Back to the channel the rules give."""
    org.channel_override_reason = ""
    org._history_user = user
    org._change_reason = _("管理体制恢复按规则确定")
    org.save()

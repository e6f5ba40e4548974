"""What a report covers (its target) and who may ask for it.

A target is a set of orgs: the city, a district, a managing channel (§八) of the city or
a district, a unit's scope (a supervising unit's orgs, a street's community orgs, ...),
or one org (the dossier). It holds one or more `Scope`s that must all hold: a report a
user asks for is the target's scope *and* the user's own, so choosing a bigger target
never shows more than the user's scope.

`choices_for(user)` lists the targets a user may pick on the reports page; `resolve(user,
key)` turns a picked key back into a target, or None when it is not theirs (the views
answer 404). The `export_report` command builds targets with the city's whole scope.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from orgs.models import Region, SocialOrg, Unit
from orgs.resources import home_city
from orgs.scopes import Scope, ScopeKind


@dataclass(frozen=True)
class Target:
    key: str  # "city", "district:320102", "channel:street", "unit:17", "org:42", "own"
    label: str  # 南京市, 玄武区, 南京市教育局, an org's name
    scopes: tuple  # every one must hold
    kind: str = "city"  # the JSON reports' scope kind: city | district | unit | org
    code: str = ""  # the JSON reports' scope code
    region: Region | None = None  # the city or district whose budget a budget table is
    channel: str = ""  # only orgs of this managing channel
    org: SocialOrg | None = None

    def filter(self, queryset):
        """`queryset` (a scoped model's) limited to the target, under every scope."""
        for scope in self.scopes:
            queryset = queryset.for_scope(scope)
        if self.channel:
            queryset = queryset.filter(**{f"{queryset.model.scope_path}channel": self.channel})
        if self.org is not None:
            queryset = queryset.filter(**{f"{queryset.model.scope_path}pk": self.org.pk})
        return queryset

    def orgs(self):
        return self.filter(SocialOrg.objects.all())

    def restricted(self, scope):
        """The target as seen by `scope` (a user's)."""
        if scope.sees_everything or scope in self.scopes:
            return self
        return Target(
            self.key, self.label, (*self.scopes, scope), self.kind, self.code, self.region,
            self.channel, self.org,
        )  # fmt: skip


def _jurisdiction(region):
    level = Unit.Level.CITY if region.level == Region.Level.CITY else Unit.Level.DISTRICT
    return Scope(ScopeKind.JURISDICTION, unit_level=level, region_id=region.pk)


def city_target():
    city = home_city()
    return Target("city", city.name, (_jurisdiction(city),), "city", city.code, city)


def district_target(district):
    return Target(
        f"district:{district.code}", district.name, (_jurisdiction(district),), "district",
        district.code, district,
    )  # fmt: skip


def channel_target(region, channel):
    label = f"{region.name} · {SocialOrg.Channel(channel).label}"
    return Target(
        f"channel:{channel}" if region.level == Region.Level.CITY
        else f"channel:{region.code}:{channel}",
        label, (_jurisdiction(region),), "city" if region.level == Region.Level.CITY
        else "district", region.code, region, channel,
    )  # fmt: skip


def unit_target(unit):
    region = unit.region
    while region is not None and region.level not in (Region.Level.CITY, Region.Level.DISTRICT):
        region = region.parent
    return Target(f"unit:{unit.pk}", unit.name, (Scope.for_unit(unit),), "unit", unit.name, region)


def org_target(org):
    return Target(
        f"org:{org.pk}", org.name, (Scope(ScopeKind.ALL),), "org", org.uscc or org.name,
        org=org,
    )  # fmt: skip


def _user_region(user, scope):
    if scope.sees_everything:
        return home_city()
    if scope.region_id is None:
        return None
    return Region.objects.filter(pk=scope.region_id).first()


def choices_for(user):
    """The targets `user` may export, biggest first: the city or their district with its
    districts, channels and units when their scope is a whole territory (两新工委, 组织部,
    财政, administrators); otherwise only their own scope."""
    scope = Scope.for_user(user)
    if scope.kind is ScopeKind.NONE:
        return []
    region = _user_region(user, scope)
    whole = scope.sees_everything or (
        scope.kind is ScopeKind.JURISDICTION
        and scope.unit_level in (Unit.Level.CITY, Unit.Level.DISTRICT)
    )
    if not whole:
        label = user.unit.name if user.unit_id else _("本党组织")
        return [Target("own", label, (scope,), "unit", label, _budget_region(region))]
    targets = []
    if region.level == Region.Level.CITY:
        targets.append(city_target())
        districts = Region.objects.filter(parent=region, level=Region.Level.DISTRICT)
        targets += [district_target(d) for d in districts.order_by("code")]
        units = Unit.objects.filter(Q(region=region) | Q(region__parent=region))
    else:
        targets.append(district_target(region))
        units = Unit.objects.filter(Q(region=region) | Q(region__parent=region))
    targets += [channel_target(region, channel) for channel in SocialOrg.Channel.values]
    managing = units.exclude(
        kind__in=[Unit.Kind.TWO_NEW, Unit.Kind.ORGANIZATION_DEPT, Unit.Kind.FINANCE]
    ).select_related("region__parent")
    targets += [unit_target(unit) for unit in managing.order_by("level", "name")]
    return [target.restricted(scope) for target in targets]


def _budget_region(region):
    while region is not None and region.level not in (Region.Level.CITY, Region.Level.DISTRICT):
        region = region.parent
    return region


def resolve(user, key):
    """The target `key` of `choices_for(user)`, or None."""
    for target in choices_for(user):
        if target.key == key:
            return target
    return None


def org_for(user, org):
    """The dossier target of `org` if `user`'s scope holds it, else None."""
    scope = Scope.for_user(user)
    if not SocialOrg.objects.for_scope(scope).filter(pk=org.pk).exists():
        return None
    return org_target(org)

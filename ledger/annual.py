"""The annual ledger (年度台账, issue 8 §2) of a target (the city, a district, a channel, a
unit's scope): its orgs, Party organizations, members, organizational life, assessments
and money of a year, as a workbook, CSV (the orgs sheet), PDF and JSON.

Which data
- This year: today's.
- A past year: as of 31 December. Orgs, Party organizations (with the orgs they covered,
  a tracked many-to-many) and members change in place, so they come from the change
  history: per record its latest historical row before 1 January of the next year (local
  midnight), unless that row is a deletion (`as_of`). A record first entered later (an
  older register imported afterwards) counts by its first row when it had begun by then
  (registered, founded, joined), as subsidies.budgets.member_counts counts members.
  Records that carry their own dates are read by those dates: posts (secretaries,
  committee members, instructors) in office that day, mass organizations existing then,
  plans open then, developments by their stage dates, the year's activities and
  assessments. Names of units and regions are today's.
- The target's scope applies to the records as they were: orgs by their fields of then
  (district, supervising unit, channel ...), members by the org they worked in then,
  Party organizations by the orgs they covered then. A secretary's target is their Party
  organization and its branches (as PartyOrgQuerySet.for_scope).
- Orgs with status 正常 (then) and members on the register (在册) are listed: only they
  count (templates.md). Party organizations: those existing on some day of the year.

Personal data: ID and phone numbers are masked and the birth date is given as an age (a
masked number and the birth date together are the number: members.privacy), unless the
user holds members.reveal_id_number and asked. Every member whose number is written out
is on record in IdNumberReveal, written before the first row (`log_reveals`).

Each sheet is a constant number of queries; members stream in chunks.
"""

from collections import defaultdict
from datetime import date, datetime, time
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from assessments.models import Activity, Grade, MemberReview, PartyOrgAssessment
from assessments.selectors import existing_in
from ledger.exporters import (
    DATE,
    INT,
    MONEY,
    PDF_WORKERS,
    TEXT,
    Column,
    Exporter,
    PdfPart,
    Sheet,
)
from members import coverage
from members.models import Development, IdNumberReveal, Member, Post
from members.privacy import REVEAL_PERMISSION, masked
from orgs import rules
from orgs.models import (
    CoveragePlan,
    MassOrganization,
    PartyOrganization,
    Region,
    SocialOrg,
    Unit,
)
from orgs.resources import home_city
from orgs.scopes import ScopeKind
from subsidies import budgets
from subsidies.models import Budget

# Rows of one PDF part: a long table is split so that render_parts lays the parts out on
# both cores (about 50 landscape pages each).
ROWS_PER_PART = 1500
# Wider sheets are printed as several tables of at most this many columns, each repeating
# the first two (序号, the name).
PDF_MAX_COLUMNS = 16
# What the cover and a table's heading take of a part, in rows (a part with less room
# than a fifteenth of ROWS_PER_PART left starts the next table in a new part).
COVER_ROWS, HEADING_ROWS = 40, 3
FIRST_YEAR = 2000
CHUNK = 2000

ACTIVE_ORG = SocialOrg.Status.ACTIVE
ON_REGISTER = Member.Status.ACTIVE
LINKS = PartyOrganization.covered_orgs.through


def _labels(choices):
    return {value: str(label) for value, label in choices}


def year_start(year):
    """1 January of `year`, local midnight (aware)."""
    return timezone.make_aware(datetime.combine(date(year, 1, 1), time.min))


def check_year(year, today):
    """ValueError, in Chinese, for a year the ledger cannot be made for."""
    if year > today.year:
        raise ValueError(
            _("%(year)d年尚未开始，年度台账只能生成本年度（%(this)d年）及以前的年度")
            % {"year": year, "this": today.year}
        )
    if year < FIRST_YEAR:
        raise ValueError(_("年度台账只能生成%(first)d年以来的年度") % {"first": FIRST_YEAR})


# --- the year's records -------------------------------------------------------------------


def as_of(model, cutoff, began=None, last_day=None):
    """The historical rows of `model` as the records stood just before `cutoff`: per
    record the latest row before it, unless that is a deletion. With `began` (a date
    field) a record whose history starts after `cutoff` counts by its first row if
    `began` is on or before `last_day`.

    Correlated subqueries on the history's index of the record id: 150,000 members in
    about 0.3 s on SQLite."""
    history = model.history.model
    before = history.objects.filter(id=OuterRef("id"), history_date__lt=cutoff)
    latest = before.order_by("-history_date", "-history_id").values("history_id")[:1]
    q = Q(history_date__lt=cutoff, history_id=Subquery(latest))
    if began:
        first = (
            history.objects.filter(id=OuterRef("id"))
            .order_by("history_date", "history_id")
            .values("history_id")[:1]
        )
        q |= Q(history_id=Subquery(first), **{f"{began}__lte": last_day}) & ~Exists(before)
    return history.objects.filter(q).exclude(history_type="-")


def _by_id(q):
    """`q` with its lookups on "pk" made lookups on "id" (a historical row's pk is its
    history_id; the record's id is "id" on both)."""
    clone = Q()
    clone.connector, clone.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            child = _by_id(child)
        elif child[0] == "pk" or child[0].startswith("pk__"):
            child = ("id" + child[0][2:], child[1])
        clone.children.append(child)
    return clone


class Year:
    """The target's records of a year: today's, or a past year's as of 31 December."""

    def __init__(self, target, year, today):
        self.target, self.year, self.today = target, year, today
        self.historical = year < today.year
        self.as_of = date(year, 12, 31) if self.historical else today
        self.cutoff = year_start(year + 1)

    # Sources: the live tables, or the history as of the cutoff.

    def _source(self, model, began):
        if not self.historical:
            return model.objects.all()
        return as_of(model, self.cutoff, began, date(self.year, 12, 31))

    def party_org_source(self):
        return self._source(PartyOrganization, "founded_on")

    def member_source(self):
        return self._source(Member, "joined_on")

    def links(self):
        """(Party organization, org) links of then."""
        if not self.historical:
            return LINKS.objects.all()
        history = PartyOrganization.history.model
        through = history._meta.get_field(f"{history._meta.model_name}_covered_orgs")
        return through.related_model.objects.filter(
            history_id__in=self.party_org_source().values("history_id")
        )

    def target_orgs(self):
        """The target's orgs (any status)."""
        if not self.historical:
            return self.target.orgs()
        q = Q()
        for scope in self.target.scopes:
            if scope.kind is ScopeKind.PARTY_ORG:  # the orgs it covered then
                covered = self.links().filter(partyorganization_id=scope.party_org_id)
                q &= Q(id__in=covered.values("socialorg_id"))
            else:
                q &= _by_id(scope.org_q())
        if self.target.channel:
            q &= Q(channel=self.target.channel)
        if self.target.org is not None:
            q &= Q(id=self.target.org.pk)
        return self._source(SocialOrg, "registered_on").filter(q)

    def orgs(self):
        return self.target_orgs().filter(status=ACTIVE_ORG)

    def party_orgs(self):
        """The target's Party organizations existing in the year: those covering its
        orgs; a secretary's own and its branches."""
        secretaries = [s for s in self.target.scopes if s.kind is ScopeKind.PARTY_ORG]
        q = Q()
        for scope in secretaries:
            q &= Q(id=scope.party_org_id) | Q(parent_id=scope.party_org_id)
        if not secretaries or self.target.channel or self.target.org is not None:
            covering = self.links().filter(socialorg_id__in=self.target_orgs().values("id"))
            q &= Q(id__in=covering.values("partyorganization_id"))
        return self.party_org_source().filter(existing_in(self.year)).filter(q)

    def members(self):
        """The target's members on the register."""
        if not self.historical:
            return self.target.filter(Member.objects.on_register())
        q = Q(workplace_id__in=self.target_orgs().values("id"))
        for scope in self.target.scopes:
            if scope.kind is ScopeKind.PARTY_ORG:  # and those it held, as member_scope_q
                q |= Q(party_org_id=scope.party_org_id)
        return self.member_source().filter(q, status=ON_REGISTER)

    def on_register(self):
        """Every member on the register then (counts of Party organizations)."""
        return self.member_source().filter(status=ON_REGISTER)


def log_reveals(user, members, reason):
    """Put on record that `user` saw the full ID number of each member of `members` (a
    Member queryset): one IdNumberReveal each (members.privacy.id_number_reveal), written
    by one INSERT … SELECT before any number is handed out. Returns how many."""
    ids_sql, params = members.order_by().values(revealed_id=F("pk")).query.sql_with_params()
    meta, quote = IdNumberReveal._meta, connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(n).column) for n in ("user", "member"))
    columns += ", " + ", ".join(quote(meta.get_field(n).column) for n in ("revealed_at", "reason"))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) "
            f"SELECT %s, revealed.revealed_id, %s, %s FROM ({ids_sql}) revealed",
            [user.pk, now, str(reason)[:200], *params],
        )
        return cursor.rowcount


def mask_phone(value):
    """138****5678: the first three and last four digits of a number."""
    value = (value or "").strip()
    if len(value) <= 4:
        return "*" * len(value)
    keep = 3 if len(value) >= 11 else 0
    return value[:keep] + "*" * (len(value) - keep - 4) + value[-4:]


def _yes(value):
    return _("是") if value else _("否")


def _joined(values):
    return "；".join(str(v) for v in values if v)


# --- facts of the orgs and Party organizations ---------------------------------------------

ORG_FIELDS = (
    "id", "name", "uscc", "kind", "registration_authority_id", "supervising_unit_id",
    "district_id", "street_id", "legal_representative", "staff_count", "channel",
    "charter_party_clause",
)  # fmt: skip
PARTY_ORG_FIELDS = (
    "id", "name", "kind", "formation", "parent_id", "is_secondary", "founded_on",
    "dissolved_on", "term_started_on", "approving_unit_id", "approval_number",
)  # fmt: skip
# 未建立党组织原因 (the reference template's choices) from the recommended form (§四).
NOT_SET_UP = {
    rules.STANDALONE: "应建未建",
    rules.JOINT: "不足三名党员",
    rules.WORKSTATION: "不足三名党员",
}


def _member_counts(members, field):
    """{id: (members, full members)} of `members` grouped by `field`."""
    rows = (
        members.order_by()
        .values(field)
        .annotate(n=Count("id"), full=Count("id", filter=Q(category=Member.Category.FULL)))
        .values_list(field, "n", "full")
    )
    return {key: (n, full) for key, n, full in rows}


class Facts:
    """What the sheets say of the year's orgs and Party organizations, gathered once in a
    constant number of queries."""

    def __init__(self, year: Year):
        self.year = y = year
        day = y.as_of
        self.units = dict(Unit.objects.values_list("id", "name"))
        self.regions = {pk: (name, code) for pk, name, code in Region.objects.values_list(
            "id", "name", "code")}  # fmt: skip
        self.orgs = sorted(
            y.orgs().values(*ORG_FIELDS),
            key=lambda o: (self.regions.get(o["district_id"], ("", ""))[1], o["name"], o["id"]),
        )
        self.org_names = {o["id"]: o["name"] for o in self.orgs}
        org_ids = y.orgs().values("id")
        # Every Party organization of then (names, and those covering the orgs), and the
        # target's own.
        self.all_party_orgs = {p["id"]: p for p in y.party_org_source().values(*PARTY_ORG_FIELDS)}
        target_party_orgs = y.party_orgs()
        self.party_org_ids = set(target_party_orgs.values_list("id", flat=True))
        self.party_orgs = sorted(
            (self.all_party_orgs[pk] for pk in self.party_org_ids if pk in self.all_party_orgs),
            key=lambda p: (p["name"], p["id"]),
        )
        covering = defaultdict(list)  # org → Party organizations of then
        for org_id, party_org_id in (
            y.links()
            .filter(socialorg_id__in=org_ids)
            .values_list("socialorg_id", "partyorganization_id")
        ):
            party_org = self.all_party_orgs.get(party_org_id)
            if party_org is not None and party_org["founded_on"] <= day:
                covering[org_id].append(party_org)
        self.covering = covering
        self.covered = defaultdict(list)  # target Party organization → (org id, name)
        for party_org_id, org_id, name in (
            y.links()
            .filter(partyorganization_id__in=target_party_orgs.values("id"))
            .values_list("partyorganization_id", "socialorg_id", "socialorg__name")
        ):
            self.covered[party_org_id].append(self.org_names.get(org_id, name))
        self.org_members = _member_counts(
            y.on_register().filter(workplace_id__in=org_ids), "workplace_id"
        )
        self.party_org_members = _member_counts(
            y.on_register().filter(party_org_id__in=target_party_orgs.values("id")),
            "party_org_id",
        )
        self.posts = self._posts(org_ids, target_party_orgs)
        self.instructors = defaultdict(list)
        for org_id, member_name, person_name in (
            coverage.instructing(day)
            .filter(socialorg_id__in=org_ids)
            .order_by("post__started_on", "post_id")
            .values_list("socialorg_id", "post__member__name", "post__person_name")
        ):
            self.instructors[org_id].append(member_name or person_name)
        mass_kinds = _labels(MassOrganization.Kind.choices)
        self.mass_orgs = defaultdict(list)
        for org_id, kind, name in (
            MassOrganization.objects.existing(day)
            .filter(founded_on__lte=day, org_id__in=org_ids)
            .order_by("kind", "founded_on")
            .values_list("org_id", "kind", "name")
        ):
            self.mass_orgs[org_id].append(name if kind == "other" and name else mass_kinds[kind])
        self.plans = dict(
            CoveragePlan.objects.filter(org_id__in=org_ids)
            .filter(Q(completed_on__isnull=True) | Q(completed_on__gt=day))
            .order_by()
            .values("org_id")
            .annotate(deadline=Min("deadline"))
            .values_list("org_id", "deadline")
        )
        self.development = self._development(org_ids, day)

    def _posts(self, org_ids, target_party_orgs):
        """{Party organization: {"secretary": [names], "committee": [names]}} in office on
        the day, of the target's Party organizations and those covering its orgs."""
        covering = self.year.links().filter(socialorg_id__in=org_ids)
        posts = (
            Post.objects.current(self.year.as_of)
            .filter(kind__in=Post.COMMITTEE_KINDS)
            .filter(
                Q(party_org_id__in=target_party_orgs.values("id"))
                | Q(party_org_id__in=covering.values("partyorganization_id"))
            )
            .order_by("kind", "started_on", "pk")
            .values_list("party_org_id", "kind", "member__name", "person_name")
        )
        result = defaultdict(lambda: {"secretary": [], "committee": []})
        for party_org_id, kind, member_name, person_name in posts:
            role = "secretary" if kind == Post.Kind.SECRETARY else "committee"
            result[party_org_id][role].append(member_name or person_name)
        return result

    @staticmethod
    def _development(org_ids, day):
        """{org: (发展对象, 入党积极分子, 申请入党)} on `day`, by the stage dates."""
        going = Q(stopped_on__isnull=True) | Q(stopped_on__gt=day)
        not_admitted = Q(admitted_on__isnull=True) | Q(admitted_on__gt=day)
        rows = (
            Development.objects.filter(workplace_id__in=org_ids)
            .filter(going, applied_on__lte=day)
            .order_by()
            .values("workplace_id")
            .annotate(
                candidates=Count("pk", filter=Q(candidate_on__lte=day) & not_admitted),
                activists=Count(
                    "pk",
                    filter=Q(activist_on__lte=day)
                    & (Q(candidate_on__isnull=True) | Q(candidate_on__gt=day)),
                ),
                applicants=Count(
                    "pk",
                    filter=(Q(activist_on__isnull=True) | Q(activist_on__gt=day)) & not_admitted,
                ),
            )
            .values_list("workplace_id", "candidates", "activists", "applicants")
        )
        return {org_id: counts for org_id, *counts in rows}

    def coverage(self, org):
        """(status, the existing covering Party organizations, main one first)."""
        day = self.year.as_of
        covering = self.covering.get(org["id"], [])
        existing = sorted(
            (p for p in covering if rules.active_on(p["dissolved_on"], day)),
            key=lambda p: (p["formation"] != rules.STANDALONE, p["founded_on"], p["name"]),
        )
        verdict = rules.coverage_status(
            org_active=True,
            party_orgs_dissolved_on=[p["dissolved_on"] for p in covering],
            today=day,
            instructors=len(self.instructors.get(org["id"], ())),
            mass_orgs=self.mass_orgs.get(org["id"], ()),
        )
        return verdict.value, existing

    def secretary(self, party_org_id):
        return _joined(self.posts[party_org_id]["secretary"]) if party_org_id in self.posts else ""


# --- the sheets -----------------------------------------------------------------------------

ORG_KINDS = _labels(SocialOrg.Kind.choices)
CHANNELS = _labels(SocialOrg.Channel.choices)
PARTY_ORG_KINDS = _labels(PartyOrganization.Kind.choices)
FORMATIONS = _labels(PartyOrganization.Formation.choices)
GENDERS = _labels(Member.Gender.choices)
CATEGORIES = _labels(Member.Category.choices)
ACTIVITY_KINDS = _labels(Activity.Kind.choices)
GRADES = _labels(Grade.choices)
EVALUATIONS = _labels(PartyOrgAssessment._meta.get_field("higher_evaluation").choices)
STATUS_LABELS = {key: str(label) for key, label in coverage.STATUS_LABELS.items()}


def org_columns():
    return [
        Column(_("序号"), INT, 6),
        Column(_("社会组织名称"), TEXT, 30),
        Column(_("组织类别"), TEXT, 14),
        Column(_("统一社会信用代码（登记证号）"), TEXT, 22),
        Column(_("法定代表人"), TEXT, 10),
        Column(_("业务主管单位"), TEXT, 20),
        Column(_("登记管理机关"), TEXT, 20),
        Column(_("所属区县"), TEXT, 10),
        Column(_("所属街道"), TEXT, 12),
        Column(_("管理体制"), TEXT, 20),
        Column(_("从业人员数"), INT, 8),
        Column(_("党建入章程"), TEXT, 6),
        Column(_("覆盖方式"), TEXT, 10),
        Column(_("是否建立党组织"), TEXT, 8),
        Column(_("建立党组织时间"), DATE, 12),
        Column(_("党组织名称"), TEXT, 30),
        Column(_("审批单位"), TEXT, 18),
        Column(_("审批文号"), TEXT, 14),
        Column(_("组织建制"), TEXT, 8),
        Column(_("组建方式"), TEXT, 12),
        Column(_("上级党组织"), TEXT, 24),
        Column(_("党组织书记"), TEXT, 10),
        Column(_("未建立党组织原因"), TEXT, 14),
        Column(_("拟建党组织日期"), DATE, 12),
        Column(_("党建指导员"), TEXT, 12),
        Column(_("党员数"), INT, 8),
        Column(_("正式党员数"), INT, 8),
        Column(_("预备党员数"), INT, 8),
        Column(_("发展对象人数"), INT, 8),
        Column(_("入党积极分子人数"), INT, 8),
        Column(_("申请入党人数"), INT, 8),
        Column(_("已建群团组织"), TEXT, 16),
    ]


def org_rows(facts):
    units, regions = facts.units, facts.regions
    names = {pk: p["name"] for pk, p in facts.all_party_orgs.items()}
    for index, org in enumerate(facts.orgs, start=1):
        status, existing = facts.coverage(org)
        members, full = facts.org_members.get(org["id"], (0, 0))
        candidates, activists, applicants = facts.development.get(org["id"], (0, 0, 0))
        reason = ""
        if status != rules.ORGANIZATIONAL:
            form = rules.recommended_form(full).value
            reason = NOT_SET_UP.get(form) or ("无正式党员" if members else "无党员")
        supervisor = org["supervising_unit_id"]
        yield (
            index,
            org["name"],
            ORG_KINDS.get(org["kind"], org["kind"]),
            org["uscc"] or "",
            org["legal_representative"],
            units.get(supervisor, "") if supervisor else _("直接登记"),
            units.get(org["registration_authority_id"], ""),
            regions.get(org["district_id"], ("", ""))[0],
            regions.get(org["street_id"], ("", ""))[0],
            CHANNELS.get(org["channel"], ""),
            org["staff_count"],
            _yes(org["charter_party_clause"]),
            STATUS_LABELS.get(status, ""),
            _yes(existing),
            existing[0]["founded_on"] if existing else None,
            _joined(p["name"] for p in existing),
            _joined(units.get(p["approving_unit_id"], "") for p in existing),
            _joined(p["approval_number"] for p in existing),
            _joined(PARTY_ORG_KINDS.get(p["kind"]) for p in existing),
            _joined(FORMATIONS.get(p["formation"]) for p in existing),
            _joined(names.get(p["parent_id"], "") for p in existing),
            _joined(facts.secretary(p["id"]) for p in existing),
            reason,
            facts.plans.get(org["id"]) if status != rules.ORGANIZATIONAL else None,
            _joined(facts.instructors.get(org["id"], ())),
            members,
            full,
            members - full,
            candidates,
            activists,
            applicants,
            _joined(facts.mass_orgs.get(org["id"], ())),
        )


def party_org_columns():
    return [
        Column(_("序号"), INT, 6),
        Column(_("党组织名称"), TEXT, 30),
        Column(_("组织建制"), TEXT, 8),
        Column(_("组建方式"), TEXT, 12),
        Column(_("上级党组织"), TEXT, 24),
        Column(_("二级党组织"), TEXT, 6),
        Column(_("成立日期"), DATE, 12),
        Column(_("撤销日期"), DATE, 12),
        Column(_("审批单位"), TEXT, 18),
        Column(_("审批文号"), TEXT, 14),
        Column(_("书记"), TEXT, 10),
        Column(_("委员"), TEXT, 24),
        Column(_("党员数"), INT, 8),
        Column(_("正式党员数"), INT, 8),
        Column(_("预备党员数"), INT, 8),
        Column(_("本届开始日期"), DATE, 12),
        Column(_("届满日期"), DATE, 12),
        Column(_("应换届"), TEXT, 6),
        Column(_("覆盖社会组织数"), INT, 8),
        Column(_("覆盖的社会组织"), TEXT, 40),
    ]


def party_org_rows(facts):
    day, units = facts.year.as_of, facts.units
    names = {pk: p["name"] for pk, p in facts.all_party_orgs.items()}
    for index, p in enumerate(facts.party_orgs, start=1):
        members, full = facts.party_org_members.get(p["id"], (0, 0))
        start = p["term_started_on"] or p["founded_on"]
        years = settings.PARTY_TERM_YEARS.get(p["kind"])
        dissolved = not rules.active_on(p["dissolved_on"], day)
        covered = facts.covered.get(p["id"], [])
        posts = facts.posts.get(p["id"], {"secretary": [], "committee": []})
        yield (
            index,
            p["name"],
            PARTY_ORG_KINDS.get(p["kind"], p["kind"]),
            FORMATIONS.get(p["formation"], p["formation"]),
            names.get(p["parent_id"], ""),
            _yes(p["is_secondary"]),
            p["founded_on"],
            p["dissolved_on"],
            units.get(p["approving_unit_id"], ""),
            p["approval_number"],
            _joined(posts["secretary"]),
            "、".join(posts["committee"]),
            members,
            full,
            members - full,
            start,
            rules.term_end(start, years) if years else None,
            _yes(years and rules.term_due(p["kind"], start, day, dissolved=dissolved)),
            len(covered),
            "、".join(sorted(covered)),
        )


def member_columns(reveal):
    return [
        Column(_("序号"), INT, 7),
        Column(_("姓名"), TEXT, 10),
        Column(_("性别"), TEXT, 5),
        Column(_("身份证号") if reveal else _("身份证号（脱敏）"), TEXT, 21),
        Column(_("出生日期"), DATE, 12) if reveal else Column(_("年龄"), INT, 6),
        Column(_("民族"), TEXT, 7),
        Column(_("学历"), TEXT, 9),
        Column(_("联系电话"), TEXT, 14),
        Column(_("所在单位"), TEXT, 30),
        Column(_("党员类别"), TEXT, 9),
        Column(_("入党日期"), DATE, 12),
        Column(_("转正日期"), DATE, 12),
        Column(_("组织关系所在党组织"), TEXT, 30),
        Column(_("是否流动党员"), TEXT, 7),
    ]


MEMBER_FIELDS = (
    "id", "name", "gender", "id_number", "birth_date", "ethnicity", "education", "phone",
    "workplace_id", "workplace__name", "category", "joined_on",
    "full_member_on", "party_org_id", "outside_holder", "is_floating",
)  # fmt: skip


def member_rows(facts, members, reveal):
    """Rows of `members` (values_list of MEMBER_FIELDS, plus whether the number may be
    shown when `reveal`), streamed."""
    day = facts.year.as_of
    orgs = facts.org_names
    party_orgs = {pk: p["name"] for pk, p in facts.all_party_orgs.items()}
    yes, no = _yes(True), _yes(False)
    for index, row in enumerate(members, start=1):
        (_pk, name, gender, number, birth, ethnicity, education, phone, workplace_id,
         workplace_name, category, joined, full_on, party_org_id, outside, floating,
         *shown) = row  # fmt: skip
        shown = reveal and (shown[0] if shown else True)
        yield (
            index,
            name,
            GENDERS.get(gender, ""),
            number if shown else masked(number),
            birth if shown else (rules.age_on(birth, day) if birth else None),
            ethnicity,
            education,
            phone if shown else mask_phone(phone),
            orgs.get(workplace_id, workplace_name),
            CATEGORIES.get(category, ""),
            joined,
            full_on,
            party_orgs.get(party_org_id, "") if party_org_id else outside,
            yes if floating else no,
        )


def activity_columns():
    return [
        Column(_("序号"), INT, 7),
        Column(_("党组织"), TEXT, 30),
        Column(_("活动类型"), TEXT, 14),
        Column(_("活动日期"), DATE, 12),
        Column(_("主题"), TEXT, 36),
        Column(_("网上开展"), TEXT, 6),
        Column(_("地点"), TEXT, 16),
        Column(_("参加党员数"), INT, 8),
        Column(_("上级党组织列席人员"), TEXT, 18),
    ]


def assessment_columns():
    return [
        Column(_("序号"), INT, 6),
        Column(_("党组织名称"), TEXT, 30),
        Column(_("组织建制"), TEXT, 8),
        Column(_("年度考核等次"), TEXT, 10),
        Column(_("建议等次"), TEXT, 10),
        Column(_("上级党组织评议"), TEXT, 10),
        Column(_("党员评议"), TEXT, 10),
        Column(_("考核日期"), DATE, 12),
        Column(_("考核单位"), TEXT, 20),
        Column(_("民主评议党员人数"), INT, 10),
        Column(_("评议优秀"), INT, 8),
        Column(_("评议合格"), INT, 8),
        Column(_("评议基本合格"), INT, 8),
        Column(_("评议不合格"), INT, 8),
    ]


def money_columns():
    return [
        Column(_("序号"), INT, 6),
        Column(_("党组织名称"), TEXT, 30),
        Column(_("预算级次"), TEXT, 10),
        Column(_("预算状态"), TEXT, 8),
        Column(_("组织建制"), TEXT, 8),
        Column(_("二级党组织"), TEXT, 6),
        Column(_("计费党员数"), INT, 8),
        Column(_("存续月数"), INT, 6),
        Column(_("年度考核"), TEXT, 8),
        Column(_("活动经费"), MONEY, 12),
        Column(_("党员经费"), MONEY, 12),
        Column(_("书记津贴"), MONEY, 12),
        Column(_("合计"), MONEY, 12),
        Column(_("已拨付"), MONEY, 12),
        Column(_("说明"), TEXT, 30),
    ]


# --- the exporter ---------------------------------------------------------------------------


class AnnualLedger(Exporter):
    """年度台账 of `target` for `year` (this year as of `today`; a past year as of 31
    December). ID numbers are shown only when `reveal_ids` and `user` may reveal them."""

    report = "ledger"
    formats = ("xlsx", "pdf", "json", "csv")

    def __init__(self, target, year, *, today, reveal_ids=False, user=None):
        check_year(year, today)
        self.target, self.year, self.today = target, year, today
        self.reveal_ids, self.user = reveal_ids, user
        self.data = Year(target, year, today)
        self.title = _("%(year)d年度社会组织党建工作台账") % {"year": year}
        self.scope_label = target.label
        self._facts = None
        self._reveal = None

    @property
    def as_of(self):
        return self.data.as_of

    @property
    def reveal(self):
        """Whether full ID numbers go out: asked for, by a user who may see them."""
        if self._reveal is None:
            user = self.user
            self._reveal = bool(
                self.reveal_ids and user is not None and user.has_perm(REVEAL_PERMISSION)
            )
        return self._reveal

    @property
    def facts(self):
        if self._facts is None:
            self._facts = Facts(self.data)
        return self._facts

    # Rows of the sheets after the first two (members, activities, assessments, money).

    def _members(self):
        """(count, rows): the members, ordered by their org then name; the reveal is put
        on record when the rows are first read."""
        members = self.data.members()
        count = members.count()
        fields = MEMBER_FIELDS
        if self.reveal and self.data.historical:
            # A member deleted since cannot be put on record: their number stays masked.
            members = members.annotate(on_file=Exists(Member.objects.filter(pk=OuterRef("id"))))
            fields = (*fields, "on_file")
        ordered = members.order_by(
            "workplace__district__code", "workplace__name", "workplace_id", "name", "id"
        )

        def rows():
            if self.reveal:
                log_reveals(
                    self.user, Member.objects.filter(pk__in=members.values("id")),
                    _("导出年度台账"),
                )  # fmt: skip
            values = ordered.values_list(*fields).iterator(chunk_size=CHUNK)
            yield from member_rows(self.facts, values, self.reveal)

        return count, rows()

    def _activities(self):
        first, last = date(self.year, 1, 1), date(self.year, 12, 31)
        activities = Activity.objects.filter(
            party_org_id__in=self.data.party_orgs().values("id"), held_on__range=(first, last)
        )
        count = activities.count()

        def rows():
            attended = dict(
                Activity.attendees.through.objects.filter(activity__in=activities.values("pk"))
                .order_by()
                .values("activity_id")
                .annotate(n=Count("pk"))
                .values_list("activity_id", "n")
            )
            names = {pk: p["name"] for pk, p in self.facts.all_party_orgs.items()}
            yes_no = {True: _yes(True), False: _yes(False)}
            values = (
                activities.order_by("party_org__name", "party_org_id", "held_on", "pk")
                .values_list(
                    "pk",
                    "party_org_id",
                    "kind",
                    "held_on",
                    "topic",
                    "online",
                    "location",
                    "observers",
                )  # fmt: skip
                .iterator(chunk_size=CHUNK)
            )
            for index, (pk, party_org_id, kind, held, topic, online, where, observers) in enumerate(
                values, start=1
            ):
                yield (
                    index, names.get(party_org_id, ""), ACTIVITY_KINDS.get(kind, kind), held,
                    topic, yes_no[online], where, attended.get(pk, 0), observers,
                )  # fmt: skip

        return count, rows()

    def _assessment_rows(self):
        facts = self.facts
        ids = self.data.party_orgs().values("id")
        assessed = {
            row[0]: row[1:]
            for row in PartyOrgAssessment.objects.filter(year=self.year, party_org_id__in=ids)
            .order_by()
            .values_list(
                "party_org_id",
                "grade",
                "suggested_grade",
                "higher_evaluation",
                "members_evaluation",
                "assessed_on",
                "assessed_by_id",
            )  # fmt: skip
        }
        grades = [g for g, _label in Grade.choices]
        reviews = {
            row[0]: row[1:]
            for row in MemberReview.objects.filter(year=self.year, party_org_id__in=ids)
            .order_by()
            .values("party_org_id")
            .annotate(n=Count("pk"), **{g: Count("pk", filter=Q(grade=g)) for g in grades})
            .values_list("party_org_id", "n", *grades)
        }
        rows = []
        for index, p in enumerate(facts.party_orgs, start=1):
            grade, suggested, higher, by_members, on, unit = assessed.get(
                p["id"], ("", "", "", "", None, None)
            )
            rows.append(
                (
                    index,
                    p["name"],
                    PARTY_ORG_KINDS.get(p["kind"], ""),
                    GRADES.get(grade, ""),
                    GRADES.get(suggested, ""),
                    EVALUATIONS.get(higher, ""),
                    EVALUATIONS.get(by_members, ""),
                    on,
                    facts.units.get(unit, ""),
                    *reviews.get(p["id"], (0,) * (len(grades) + 1)),
                )  # fmt: skip
            )
        return rows

    def money_lines(self):
        """[(region, status, budgets.LineRow)] of the target's Party organizations in the
        year's budgets: each level's frozen lines (with what was paid), or its lines as
        subsidies.budgets computes them while it is not frozen (as budget_json)."""
        ids = self.facts.party_org_ids
        if not ids:
            return []
        city = home_city()
        existing = budgets.existing_in(self.year)
        payer = budgets.payers(
            list(existing.values_list("pk", "parent_id")),
            budgets.coverage_facts(existing.values("pk")),
            city.pk,
        )
        regions = Region.objects.filter(pk__in={payer[pk] for pk in ids if pk in payer})
        lines = []
        for region in regions.order_by("level", "code"):
            budget = Budget.objects.filter(year=self.year, region=region).first()
            if budget is not None:
                rows, _source = budgets.budget_rows(budget, None, self.today)
            else:
                rows, _source = budgets.compute(self.year, region, self.today)
            status = _("已冻结") if budget is not None and budget.is_frozen else _("编制中")
            lines += [(region, status, row) for row in rows if row.party_org_id in ids]
        return lines

    def _money_rows(self):
        return [
            (
                index,
                row.party_org_name,
                region.name,
                status,
                str(row.kind_label),
                _yes(row.secondary),
                row.members,
                row.months,
                str(row.grade_label),
                row.activity_fund,
                row.member_fund,
                row.secretary_allowance,
                row.total,
                row.paid_total,
                row.notes,
            )  # fmt: skip
            for index, (region, status, row) in enumerate(self.money_lines(), start=1)
        ]

    # The formats.

    def sheets(self):
        """社会组织, 党组织, 党员, 组织生活, 考核评议, 经费; the members and activities
        streamed (read when written)."""
        facts = self.facts
        yield Sheet(_("社会组织"), org_columns(), org_rows(facts), len(facts.orgs))
        yield Sheet(_("党组织"), party_org_columns(), party_org_rows(facts), len(facts.party_orgs))
        count, rows = self._members()
        yield Sheet(_("党员"), member_columns(self.reveal), rows, count)
        count, rows = self._activities()
        yield Sheet(_("组织生活"), activity_columns(), rows, count)
        rows = self._assessment_rows()
        yield Sheet(_("考核评议"), assessment_columns(), rows, len(rows))
        rows = self._money_rows()
        yield Sheet(_("经费"), money_columns(), rows, len(rows))

    def size(self):
        """Rows of the workbook, roughly, from today's data (a few counts)."""
        target = self.target
        party_orgs = Year(target, self.today.year, self.today).party_orgs().values("id")
        return (
            target.orgs().filter(status=ACTIVE_ORG).count()
            + target.filter(Member.objects.on_register()).count()
            + 3 * PartyOrganization.objects.filter(pk__in=party_orgs).count()
            + Activity.objects.filter(party_org_id__in=party_orgs, held_on__year=self.year).count()
        )

    def summary(self):
        """The cover's and the JSON's figures."""
        facts = self.facts
        statuses = defaultdict(int)
        for org in facts.orgs:
            statuses[facts.coverage(org)[0]] += 1
        members = sum(n for n, _full in facts.org_members.values())
        full = sum(full for _n, full in facts.org_members.values())
        return {
            "orgs": len(facts.orgs),
            "org_covered": statuses[rules.ORGANIZATIONAL],
            "work_covered": statuses[rules.WORK],
            "uncovered": statuses[rules.UNCOVERED],
            "party_orgs": len(facts.party_orgs),
            "members_working": members,
            "full_members_working": full,
        }

    def pdf_parts(self):
        """A cover with the figures, then each sheet as tables (a wide sheet as several
        tables of PDF_MAX_COLUMNS columns), cut into parts of about ROWS_PER_PART rows."""
        figures = self.summary()
        tables, counts = [], []
        for sheet in self.sheets():
            made = _pdf_tables(sheet)
            counts.append((sheet.title, len(made[0]["rows"]) if made else 0))
            tables += made
        context = {
            "title": self.title, "scope_label": self.scope_label, "landscape": True,
            "year": self.year, "as_of": self.as_of, "historical": self.data.historical,
            "masked": not self.reveal,
        }  # fmt: skip
        parts = [{"cover": i == 0, "tables": tables} for i, tables in enumerate(pack(tables))]
        parts[0].update(figures=figures, counts=counts)
        return [PdfPart("ledger/pdf/annual.html", {**context, **part}) for part in parts]

    def as_json(self):
        """year, as_of, scope, counts per sheet, coverage, and the orgs (by USCC, or name
        for 备案 orgs) with their Party organizations and members."""
        facts = self.facts
        count, _rows = self._members()
        activities, _rows = self._activities()
        money = self.money_lines()
        orgs = []
        for org in facts.orgs:
            status, existing = facts.coverage(org)
            members, full = facts.org_members.get(org["id"], (0, 0))
            orgs.append(
                {
                    "org": org["uscc"] or org["name"],
                    "name": org["name"],
                    "kind": org["kind"],
                    "district": facts.regions.get(org["district_id"], ("", ""))[1],
                    "supervising_unit": facts.units.get(org["supervising_unit_id"], ""),
                    "channel": org["channel"],
                    "staff_count": org["staff_count"],
                    "coverage": status,
                    "party_orgs": [p["name"] for p in existing],
                    "members": members,
                    "full_members": full,
                    "instructors": len(facts.instructors.get(org["id"], ())),
                    "mass_orgs": facts.mass_orgs.get(org["id"], []),
                }
            )
        figures = self.summary()
        return {
            "year": self.year,
            "as_of": self.as_of.isoformat(),
            "scope": {"kind": self.target.kind, "code": self.target.code},
            "counts": {
                "orgs": len(facts.orgs),
                "party_orgs": len(facts.party_orgs),
                "members": count,
                "activities": activities,
                "assessments": len(facts.party_orgs),
                "budget_lines": len(money),
            },
            "coverage": {k: figures[k] for k in ("org_covered", "work_covered", "uncovered")},
            "orgs": orgs,
        }


# --- PDF tables --------------------------------------------------------------------------------


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return escape(str(value))


def column_groups(columns):
    """Index lists of the tables a sheet prints as: all columns, or (when wider than
    PDF_MAX_COLUMNS) the first two and the next ones in turn."""
    if len(columns) <= PDF_MAX_COLUMNS:
        return [list(range(len(columns)))]
    rest, width = list(range(2, len(columns))), PDF_MAX_COLUMNS - 2
    chunks = [rest[i : i + width] for i in range(0, len(rest), width)]
    # Even groups: 30 columns as 3 × 10 rather than 11 + 11 + 8.
    size = -(-len(rest) // len(chunks))
    return [[0, 1, *rest[i : i + size]] for i in range(0, len(rest), size)]


def _pdf_tables(sheet):
    """The tables of `sheet`: per column group its title, headers, widths (percent) and
    rows as HTML (escaped here: Django's template loop over 100,000 cells is slow)."""
    columns = list(sheet.columns)
    groups = column_groups(columns)
    numeric = [c.kind in (INT, MONEY) for c in columns]
    rows = [[] for _group in groups]
    for row in sheet.rows:
        cells = [
            f'<td class="num">{_cell(v)}</td>' if n else f"<td>{_cell(v)}</td>"
            for v, n in zip(row, numeric, strict=True)
        ]
        for group, out in zip(groups, rows, strict=True):
            out.append("<tr>" + "".join(cells[i] for i in group) + "</tr>")
    tables = []
    for number, (group, out) in enumerate(zip(groups, rows, strict=True), start=1):
        total = sum(columns[i].width for i in group)
        title = str(sheet.title)
        if len(groups) > 1:
            title += f"（{number}/{len(groups)}）"
        tables.append(
            {
                "title": title,
                "headers": [(str(columns[i].header), numeric[i]) for i in group],
                "widths": [f"{100 * columns[i].width / total:.2f}" for i in group],
                "rows": out,
            }
        )
    return tables


def pack(tables):
    """The tables cut into pieces laid into parts: [[table piece, ...], ...], each piece
    with its rows as one HTML body and whether it continues a table.

    A part holds at most ROWS_PER_PART rows (the cover and each heading count as some).
    The parts are as many as that needs, rounded up to a multiple of the processes that
    render them, and even in cells (what layout time follows): no process is left with a
    long last part while the other waits."""
    rows = COVER_ROWS + sum(len(t["rows"]) + HEADING_ROWS for t in tables)
    cells = COVER_ROWS * 10 + sum(
        (len(t["rows"]) + HEADING_ROWS) * len(t["headers"]) for t in tables
    )
    count = -(-rows // ROWS_PER_PART)
    if count > 1:
        count += -count % PDF_WORKERS
    row_room, cell_room = ROWS_PER_PART, -(-cells // count)
    parts = [[]]
    room = [row_room - COVER_ROWS, cell_room - COVER_ROWS * 10]
    for table in tables:
        body, width, start = table["rows"], len(table["headers"]), 0
        while True:
            fits = min(room[0] - HEADING_ROWS, room[1] // width - HEADING_ROWS)
            if fits < max(len(body) - start, 1) and fits < max(row_room // 15, 1):
                parts.append([])
                room = [row_room, cell_room]
                fits = min(row_room, cell_room // width) - HEADING_ROWS
            piece = body[start : start + max(fits, 1)]
            parts[-1].append(
                {
                    "title": table["title"],
                    "headers": table["headers"],
                    "widths": table["widths"],
                    "body": mark_safe("".join(piece)),
                    "continued": start > 0,
                    "empty": not body,
                }  # fmt: skip
            )
            start += len(piece)
            room[0] -= len(piece) + HEADING_ROWS
            room[1] -= (len(piece) + HEADING_ROWS) * width
            if start >= len(body):
                break
    return parts

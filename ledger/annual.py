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
  assessments. Names of units and regions are today's; the money is the budgets' own
  (frozen lines as frozen, a draft computed by subsidies.budgets as for budget_json).
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

Each sheet is a constant number of queries; members and activities stream in chunks.
"""

from collections import defaultdict
from datetime import date, datetime, time
from decimal import Decimal
from types import SimpleNamespace

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from assessments.models import Activity, Evaluation, Grade, MemberReview, PartyOrgAssessment
from assessments.selectors import existing_in
from ledger.exporters import DATE, INT, MONEY, PDF_WORKERS, TEXT, Column, Exporter, PdfPart, Sheet
from members import coverage
from members.models import Development, IdNumberReveal, Member, Post
from members.privacy import REVEAL_PERMISSION, mask_phone, masked
from orgs import rules
from orgs.models import CoveragePlan, MassOrganization, PartyOrganization, Region, SocialOrg, Unit
from orgs.resources import home_city
from orgs.scopes import ScopeKind
from subsidies import budgets
from subsidies.models import Budget

# Rows of one PDF part at most: a long ledger is cut into parts that render_parts lays
# out side by side on both cores (about 20 landscape pages each, each in a fresh process
# so that a part's layout memory goes when it is done).
ROWS_PER_PART = 400
# What the cover and a table's heading take of a part, in rows.
COVER_ROWS, HEADING_ROWS = 40, 3
# Wider sheets print as several tables of at most this many columns, each repeating the
# first two (序号 and the name).
PDF_MAX_COLUMNS = 16
FIRST_YEAR = 2000
CHUNK = 2000
REVEAL_REASON = "导出年度台账"

ACTIVE_ORG = SocialOrg.Status.ACTIVE
ON_REGISTER = Member.Status.ACTIVE
LINKS = PartyOrganization.covered_orgs.through


def year_start(year):
    """1 January of `year`, midnight in the city's time zone (aware)."""
    midnight = datetime.combine(date(year, 1, 1), time.min)
    return timezone.make_aware(midnight, timezone.get_default_timezone())


def check_year(year, today):
    """ValueError, in Chinese, for a year the ledger cannot be made for."""
    if year > today.year:
        raise ValueError(
            _("%(year)d年尚未开始，年度台账只能生成本年度（%(this)d年）及以前的年度")
            % {"year": year, "this": today.year}
        )
    if year < FIRST_YEAR:
        raise ValueError(_("年度台账只能生成%(first)d年以来的年度") % {"first": FIRST_YEAR})


# --- the year's records -----------------------------------------------------------------------


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
        first = history.objects.filter(id=OuterRef("id")).order_by("history_date", "history_id")
        first = Subquery(first.values("history_id")[:1])
        q |= Q(history_id=first, **{f"{began}__lte": last_day}) & ~Exists(before)
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
    """Querysets of the target's records of a year: the live tables this year, the
    history as of 31 December for a past year (the same field names on both)."""

    def __init__(self, target, year, today):
        self.target, self.year, self.today = target, year, today
        self.historical = year < today.year
        self.as_of = date(year, 12, 31) if self.historical else today
        self.cutoff = year_start(year + 1)

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
        m2m = history._meta.get_field(f"{history._meta.model_name}_covered_orgs").related_model
        return m2m.objects.filter(history_id__in=self.party_org_source().values("history_id"))

    def target_orgs(self):
        """The target's orgs, any status."""
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
        """The target's Party organizations of the year: those covering its orgs; a
        secretary's own and its branches."""
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
        """Every member on the register then (what an org or Party organization counts)."""
        return self.member_source().filter(status=ON_REGISTER)


# --- personal data ----------------------------------------------------------------------------


def log_reveals(user, members, reason):
    """Put on record that `user` saw the full ID number of each member of `members` (a
    Member queryset): one IdNumberReveal each, as members.privacy.id_number_reveal writes
    one, here by one INSERT … SELECT before any number is handed out. Returns how many."""
    ids_sql, params = members.order_by().values(revealed=F("pk")).query.sql_with_params()
    meta, quote = IdNumberReveal._meta, connection.ops.quote_name
    columns = ", ".join(
        quote(meta.get_field(name).column) for name in ("user", "member", "revealed_at", "reason")
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) "
            f"SELECT %s, m.revealed, %s, %s FROM ({ids_sql}) m",
            [user.pk, now, str(reason)[:200], *params],
        )
        return cursor.rowcount


# --- columns and labels ---------------------------------------------------------------------


def _columns(*specs):
    """Columns from (header, kind, width): headers in the office's own words, like the
    published templates' (templates.md) and the reference ledger's."""
    return tuple(Column(header, kind, width) for header, kind, width in specs)


ORG_COLUMNS = _columns(
    ("序号", INT, 6), ("社会组织名称", TEXT, 30), ("组织类别", TEXT, 14),
    ("统一社会信用代码（登记证号）", TEXT, 25), ("法定代表人", TEXT, 10),
    ("业务主管单位", TEXT, 20), ("登记管理机关", TEXT, 20), ("所属区县", TEXT, 10),
    ("所属街道", TEXT, 12), ("管理体制", TEXT, 20), ("从业人员数", INT, 8),
    ("党建入章程", TEXT, 6), ("覆盖方式", TEXT, 10), ("是否建立党组织", TEXT, 8),
    ("建立党组织时间", DATE, 12), ("党组织名称", TEXT, 30), ("审批单位", TEXT, 18),
    ("审批文号", TEXT, 14), ("组织建制", TEXT, 8), ("组建方式", TEXT, 12),
    ("上级党组织", TEXT, 24), ("党组织书记", TEXT, 10), ("未建立党组织原因", TEXT, 14),
    ("拟建党组织日期", DATE, 12), ("党建指导员", TEXT, 12), ("党员数", INT, 8),
    ("正式党员数", INT, 8), ("预备党员数", INT, 8), ("发展对象人数", INT, 8),
    ("入党积极分子人数", INT, 8), ("申请入党人数", INT, 8), ("已建群团组织", TEXT, 16),
)  # fmt: skip
PARTY_ORG_COLUMNS = _columns(
    ("序号", INT, 6), ("党组织名称", TEXT, 30), ("组织建制", TEXT, 8), ("组建方式", TEXT, 12),
    ("上级党组织", TEXT, 24), ("二级党组织", TEXT, 6), ("成立日期", DATE, 12),
    ("撤销日期", DATE, 12), ("审批单位", TEXT, 18), ("审批文号", TEXT, 14), ("书记", TEXT, 10),
    ("委员", TEXT, 24), ("党员数", INT, 8), ("正式党员数", INT, 8), ("预备党员数", INT, 8),
    ("本届开始日期", DATE, 12), ("届满日期", DATE, 12), ("应换届", TEXT, 6),
    ("覆盖社会组织数", INT, 8), ("覆盖的社会组织", TEXT, 40),
)  # fmt: skip
# Masked, the number goes with the age: the birth date would give the number away.
MEMBER_COLUMNS = _columns(
    ("序号", INT, 7), ("姓名", TEXT, 10), ("性别", TEXT, 5), ("身份证号（脱敏）", TEXT, 21),
    ("年龄", INT, 6), ("民族", TEXT, 7), ("学历", TEXT, 9), ("联系电话", TEXT, 14),
    ("所在单位", TEXT, 30), ("党员类别", TEXT, 9), ("入党日期", DATE, 12),
    ("转正日期", DATE, 12), ("组织关系所在党组织", TEXT, 30), ("是否流动党员", TEXT, 7),
)  # fmt: skip
REVEALED_COLUMNS = {3: Column("身份证号", TEXT, 21), 4: Column("出生日期", DATE, 12)}
ACTIVITY_COLUMNS = _columns(
    ("序号", INT, 7), ("党组织", TEXT, 30), ("活动类型", TEXT, 14), ("活动日期", DATE, 12),
    ("主题", TEXT, 36), ("网上开展", TEXT, 6), ("地点", TEXT, 16), ("参加党员数", INT, 8),
    ("上级党组织列席人员", TEXT, 18),
)  # fmt: skip
ASSESSMENT_COLUMNS = _columns(
    ("序号", INT, 6), ("党组织名称", TEXT, 30), ("组织建制", TEXT, 8),
    ("年度考核等次", TEXT, 10), ("建议等次", TEXT, 10), ("上级党组织评议", TEXT, 10),
    ("党员评议", TEXT, 10), ("考核日期", DATE, 12), ("考核单位", TEXT, 20),
    ("民主评议党员人数", INT, 10), ("评议优秀", INT, 8), ("评议合格", INT, 8),
    ("评议基本合格", INT, 8), ("评议不合格", INT, 8),
)  # fmt: skip
MONEY_COLUMNS = _columns(
    ("序号", INT, 6), ("党组织名称", TEXT, 30), ("预算级次", TEXT, 10), ("预算状态", TEXT, 8),
    ("组织建制", TEXT, 8), ("二级党组织", TEXT, 6), ("计费党员数", INT, 8),
    ("存续月数", INT, 6), ("年度考核", TEXT, 8), ("活动经费", MONEY, 12),
    ("党员经费", MONEY, 12), ("书记津贴", MONEY, 12), ("合计", MONEY, 12),
    ("已拨付", MONEY, 12), ("说明", TEXT, 30),
)  # fmt: skip


def member_columns(reveal):
    return [REVEALED_COLUMNS.get(i, c) if reveal else c for i, c in enumerate(MEMBER_COLUMNS)]


# 未建立党组织原因, in the reference template's words, from the recommended form (§四).
NOT_SET_UP = {rules.STANDALONE: "应建未建", rules.JOINT: "不足三名党员"}
NOT_SET_UP[rules.WORKSTATION] = NOT_SET_UP[rules.JOINT]


def _text(choices):
    return {value: str(label) for value, label in choices}


def labels():
    """The choices' labels as text, looked up once per export (in the active language)."""
    return SimpleNamespace(
        org_kinds=_text(SocialOrg.Kind.choices), channels=_text(SocialOrg.Channel.choices),
        party_org_kinds=_text(PartyOrganization.Kind.choices),
        formations=_text(PartyOrganization.Formation.choices),
        genders=_text(Member.Gender.choices), categories=_text(Member.Category.choices),
        activity_kinds=_text(Activity.Kind.choices), grades=_text(Grade.choices),
        evaluations=_text(Evaluation.choices), coverage=_text(coverage.STATUS_LABELS.items()),
        mass_orgs=_text(MassOrganization.Kind.choices), yes=_("是"), no=_("否"),
        direct=_("直接登记"), frozen=_("已冻结"), draft=_("编制中"),
    )  # fmt: skip


def _joined(values, sep="；"):
    return sep.join(str(v) for v in values if v)


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


def _member_counts(members, field):
    """{id: (members, full members)} of `members` grouped by `field`."""
    full = Count("id", filter=Q(category=Member.Category.FULL))
    rows = members.order_by().values(field).annotate(n=Count("id"), full=full)
    return {row[field]: (row["n"], row["full"]) for row in rows}


class Facts:
    """What the sheets say of the year's orgs and Party organizations, gathered once in a
    constant number of queries (the orgs, Party organizations and member counts from
    `Year`, the rest by their dates)."""

    def __init__(self, year: Year):
        self.year = y = year
        self.labels = labels()
        day = y.as_of
        self.units = dict(Unit.objects.values_list("id", "name"))
        self.regions = {pk: (name, code) for pk, name, code in Region.objects.values_list(
            "id", "name", "code")}  # fmt: skip
        self.orgs = sorted(y.orgs().values(*ORG_FIELDS), key=lambda o: (
            self.regions.get(o["district_id"], ("", ""))[1], o["name"], o["id"]))  # fmt: skip
        self.org_names = {o["id"]: o["name"] for o in self.orgs}
        org_ids = y.orgs().values("id")
        # Every Party organization of then (their names; those covering the orgs).
        self.all_party_orgs = {p["id"]: p for p in y.party_org_source().values(*PARTY_ORG_FIELDS)}
        target_party_orgs = y.party_orgs().values("id")
        self.party_org_ids = {row["id"] for row in target_party_orgs}
        self.party_orgs = sorted(
            (self.all_party_orgs[pk] for pk in self.party_org_ids if pk in self.all_party_orgs),
            key=lambda p: (p["name"], p["id"]),
        )
        self.covering = defaultdict(list)  # org → its Party organizations of then
        links = y.links().filter(socialorg_id__in=org_ids)
        for org_id, party_org_id in links.values_list("socialorg_id", "partyorganization_id"):
            party_org = self.all_party_orgs.get(party_org_id)
            if party_org is not None and party_org["founded_on"] <= day:
                self.covering[org_id].append(party_org)
        self.covered = defaultdict(list)  # the target's Party organization → org names
        for party_org_id, org_id, name in (
            y.links().filter(partyorganization_id__in=target_party_orgs)
            .values_list("partyorganization_id", "socialorg_id", "socialorg__name")
        ):  # fmt: skip
            self.covered[party_org_id].append(self.org_names.get(org_id, name))
        on_register = y.on_register()
        self.org_members = _member_counts(
            on_register.filter(workplace_id__in=org_ids), "workplace_id"
        )
        self.party_org_members = _member_counts(
            on_register.filter(party_org_id__in=target_party_orgs), "party_org_id"
        )
        self.posts = self._posts(links, target_party_orgs)
        self.instructors = defaultdict(list)
        for org_id, member_name, person_name in (
            coverage.instructing(day).filter(socialorg_id__in=org_ids)
            .order_by("post__started_on", "post_id")
            .values_list("socialorg_id", "post__member__name", "post__person_name")
        ):  # fmt: skip
            self.instructors[org_id].append(member_name or person_name)
        self.mass_orgs = defaultdict(list)
        for org_id, kind, name in (
            MassOrganization.objects.existing(day).filter(founded_on__lte=day, org_id__in=org_ids)
            .order_by("kind", "founded_on").values_list("org_id", "kind", "name")
        ):  # fmt: skip
            label = name if kind == MassOrganization.Kind.OTHER and name else None
            self.mass_orgs[org_id].append(label or self.labels.mass_orgs[kind])
        open_plans = CoveragePlan.objects.filter(org_id__in=org_ids).filter(
            Q(completed_on__isnull=True) | Q(completed_on__gt=day)
        )
        self.plans = dict(
            open_plans.order_by().values("org_id").annotate(deadline=Min("deadline"))
            .values_list("org_id", "deadline")
        )  # fmt: skip
        self.development = self._development(org_ids, day)

    def _posts(self, links, target_party_orgs):
        """{Party organization: {"secretary": [names], "committee": [names]}} in office on
        the day, of the target's Party organizations and those covering its orgs."""
        posts = (
            Post.objects.current(self.year.as_of).filter(kind__in=Post.COMMITTEE_KINDS)
            .filter(Q(party_org_id__in=target_party_orgs)
                    | Q(party_org_id__in=links.values("partyorganization_id")))
            .order_by("kind", "started_on", "pk")
            .values_list("party_org_id", "kind", "member__name", "person_name")
        )  # fmt: skip
        result = defaultdict(lambda: {"secretary": [], "committee": []})
        for party_org_id, kind, member_name, person_name in posts:
            role = "secretary" if kind == Post.Kind.SECRETARY else "committee"
            result[party_org_id][role].append(member_name or person_name)
        return result

    @staticmethod
    def _development(org_ids, day):
        """{org: (发展对象, 入党积极分子, 申请入党)} on `day`, by the stage dates."""
        not_admitted = Q(admitted_on__isnull=True) | Q(admitted_on__gt=day)
        stages = {
            "candidates": Q(candidate_on__lte=day) & not_admitted,
            "activists": Q(activist_on__lte=day)
            & (Q(candidate_on__isnull=True) | Q(candidate_on__gt=day)),
            "applicants": (Q(activist_on__isnull=True) | Q(activist_on__gt=day)) & not_admitted,
        }
        rows = (
            Development.objects.filter(workplace_id__in=org_ids, applied_on__lte=day)
            .filter(Q(stopped_on__isnull=True) | Q(stopped_on__gt=day))
            .order_by().values("workplace_id")
            .annotate(**{name: Count("pk", filter=q) for name, q in stages.items()})
        )  # fmt: skip
        return {row["workplace_id"]: tuple(row[name] for name in stages) for row in rows}

    def coverage(self, org):
        """(rules.coverage_status of the org on the day, its existing Party organizations,
        one of its own first)."""
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

    def names(self, party_orgs, role, sep="；"):
        """Who held `role` ("secretary", "committee") in `party_orgs` on the day."""
        posts = self.posts
        return _joined((n for p in party_orgs for n in posts.get(p["id"], {}).get(role, ())), sep)

    def party_org_names(self):
        return {pk: p["name"] for pk, p in self.all_party_orgs.items()}


# --- rows -------------------------------------------------------------------------------------


def org_rows(facts):
    lb, units, regions = facts.labels, facts.units, facts.regions
    names = facts.party_org_names()
    nowhere = ("", "")
    for index, org in enumerate(facts.orgs, start=1):
        status, existing = facts.coverage(org)
        members, full = facts.org_members.get(org["id"], (0, 0))
        candidates, activists, applicants = facts.development.get(org["id"], (0, 0, 0))
        set_up = status == rules.ORGANIZATIONAL
        reason = None
        if not set_up:
            form = rules.recommended_form(full).value
            reason = NOT_SET_UP.get(form) or ("无正式党员" if members else "无党员")
        supervisor = org["supervising_unit_id"]
        yield (
            index, org["name"], lb.org_kinds.get(org["kind"], ""), org["uscc"] or "",
            org["legal_representative"], units.get(supervisor, "") if supervisor else lb.direct,
            units.get(org["registration_authority_id"], ""),
            regions.get(org["district_id"], nowhere)[0], regions.get(org["street_id"], nowhere)[0],
            lb.channels.get(org["channel"], ""), org["staff_count"],
            lb.yes if org["charter_party_clause"] else lb.no, lb.coverage.get(status, ""),
            lb.yes if existing else lb.no, existing[0]["founded_on"] if existing else None,
            _joined(p["name"] for p in existing),
            _joined(units.get(p["approving_unit_id"]) for p in existing),
            _joined(p["approval_number"] for p in existing),
            _joined(lb.party_org_kinds.get(p["kind"]) for p in existing),
            _joined(lb.formations.get(p["formation"]) for p in existing),
            _joined(names.get(p["parent_id"]) for p in existing),
            facts.names(existing, "secretary"), reason,
            None if set_up else facts.plans.get(org["id"]),
            _joined(facts.instructors.get(org["id"], ())), members, full, members - full,
            candidates, activists, applicants, _joined(facts.mass_orgs.get(org["id"], ())),
        )  # fmt: skip


def party_org_rows(facts):
    lb, day = facts.labels, facts.year.as_of
    names = facts.party_org_names()
    for index, p in enumerate(facts.party_orgs, start=1):
        members, full = facts.party_org_members.get(p["id"], (0, 0))
        start = p["term_started_on"] or p["founded_on"]
        years = settings.PARTY_TERM_YEARS.get(p["kind"])
        due = years and rules.term_due(
            p["kind"], start, day, dissolved=not rules.active_on(p["dissolved_on"], day)
        )
        covered = facts.covered.get(p["id"], [])
        yield (
            index, p["name"], lb.party_org_kinds.get(p["kind"], ""),
            lb.formations.get(p["formation"], ""), names.get(p["parent_id"], ""),
            lb.yes if p["is_secondary"] else lb.no, p["founded_on"], p["dissolved_on"],
            facts.units.get(p["approving_unit_id"], ""), p["approval_number"],
            facts.names([p], "secretary"), facts.names([p], "committee", "、"),
            members, full, members - full, start, rules.term_end(start, years) if years else None,
            lb.yes if due else lb.no, len(covered), "、".join(sorted(covered)),
        )  # fmt: skip


MEMBER_FIELDS = (
    "id", "name", "gender", "id_number", "birth_date", "ethnicity", "education", "phone",
    "workplace_id", "workplace__name", "category", "joined_on", "full_member_on",
    "party_org_id", "outside_holder", "is_floating",
)  # fmt: skip


def member_rows(facts, members, reveal):
    """Rows of `members` (tuples of MEMBER_FIELDS, and whether the member is on file when
    a past year is revealed), streamed."""
    lb, day = facts.labels, facts.year.as_of
    orgs, party_orgs = facts.org_names, facts.party_org_names()
    for index, row in enumerate(members, start=1):
        (_pk, name, gender, number, birth, ethnicity, education, phone, workplace_id,
         workplace_name, category, joined, full_on, party_org_id, outside, floating,
         *on_file) = row  # fmt: skip
        shown = reveal and (on_file[0] if on_file else True)
        yield (
            index, name, lb.genders.get(gender, ""), number if shown else masked(number),
            birth if shown else (rules.age_on(birth, day) if birth else None), ethnicity,
            education, phone if shown else mask_phone(phone),
            orgs.get(workplace_id, workplace_name), lb.categories.get(category, ""), joined,
            full_on, party_orgs.get(party_org_id, "") if party_org_id else outside,
            lb.yes if floating else lb.no,
        )  # fmt: skip


def activity_rows(facts, activities):
    """Rows of the year's `activities`, by Party organization and day, streamed."""
    lb, names = facts.labels, facts.party_org_names()
    attended = dict(
        Activity.attendees.through.objects.filter(activity__in=activities.values("pk"))
        .order_by().values("activity_id").annotate(n=Count("pk"))
        .values_list("activity_id", "n")
    )  # fmt: skip
    fields = ("pk", "party_org_id", "kind", "held_on", "topic", "online", "location", "observers")
    ordered = activities.order_by("party_org__name", "party_org_id", "held_on", "pk")
    values = ordered.values_list(*fields).iterator(chunk_size=CHUNK)
    for index, (pk, party_org_id, kind, held, topic, online, where, observers) in enumerate(
        values, start=1
    ):
        yield (
            index, names.get(party_org_id, ""), lb.activity_kinds.get(kind, ""), held, topic,
            lb.yes if online else lb.no, where, attended.get(pk, 0), observers,
        )  # fmt: skip


def assessment_rows(facts, year):
    """One row per Party organization of the year: its assessment and its members'
    review (民主评议党员) counts by grade."""
    lb, ids = facts.labels, facts.year.party_orgs().values("id")
    fields = ("grade", "suggested_grade", "higher_evaluation", "members_evaluation",
              "assessed_on", "assessed_by_id")  # fmt: skip
    assessed = {
        row[0]: row[1:]
        for row in PartyOrgAssessment.objects.filter(year=year, party_org_id__in=ids)
        .order_by().values_list("party_org_id", *fields)
    }  # fmt: skip
    grades = [grade for grade, _label in Grade.choices]
    by_grade = {grade: Count("pk", filter=Q(grade=grade)) for grade in grades}
    reviews = {
        row[0]: row[1:]
        for row in MemberReview.objects.filter(year=year, party_org_id__in=ids)
        .order_by().values("party_org_id").annotate(n=Count("pk"), **by_grade)
        .values_list("party_org_id", "n", *grades)
    }  # fmt: skip
    rows = []
    for index, p in enumerate(facts.party_orgs, start=1):
        grade, suggested, higher, by_members, on, unit = assessed.get(
            p["id"], ("",) * 4 + (None,) * 2
        )
        rows.append((
            index, p["name"], lb.party_org_kinds.get(p["kind"], ""), lb.grades.get(grade, ""),
            lb.grades.get(suggested, ""), lb.evaluations.get(higher, ""),
            lb.evaluations.get(by_members, ""), on, facts.units.get(unit, ""),
            *reviews.get(p["id"], (0,) * (len(grades) + 1)),
        ))  # fmt: skip
    return rows


def money_lines(facts, year, today):
    """[(region, status, budgets.LineRow)] of the target's Party organizations in the
    year's budgets: each paying level's frozen lines (with what was paid), or its lines as
    subsidies.budgets computes them while not frozen (as budget_json does)."""
    ids = facts.party_org_ids
    if not ids:
        return []
    existing = budgets.existing_in(year)
    payer = budgets.payers(
        list(existing.values_list("pk", "parent_id")),
        budgets.coverage_facts(existing.values("pk")),
        home_city().pk,
    )
    regions = Region.objects.filter(pk__in={payer[pk] for pk in ids if pk in payer})
    lines = []
    for region in regions.order_by("level", "code"):
        budget = Budget.objects.filter(year=year, region=region).first()
        if budget is not None:
            rows, _source = budgets.budget_rows(budget, None, today)
        else:
            rows, _source = budgets.compute(year, region, today)
        frozen = budget is not None and budget.is_frozen
        status = facts.labels.frozen if frozen else facts.labels.draft
        lines += [(region, status, row) for row in rows if row.party_org_id in ids]
    return lines


def money_rows(facts, lines):
    lb = facts.labels
    return [
        (
            index, row.party_org_name, region.name, status, str(row.kind_label),
            lb.yes if row.secondary else lb.no, row.members, row.months, str(row.grade_label),
            row.activity_fund, row.member_fund, row.secretary_allowance, row.total,
            row.paid_total, row.notes,
        )
        for index, (region, status, row) in enumerate(lines, start=1)
    ]  # fmt: skip


# --- the exporter -----------------------------------------------------------------------------


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
        self._facts = self._reveal = None

    @property
    def as_of(self):
        return self.data.as_of

    @property
    def reveal(self):
        """Whether full ID numbers go out: asked for, by a user who may see them."""
        if self._reveal is None:
            user = self.user
            may = user is not None and user.has_perm(REVEAL_PERMISSION)
            self._reveal = bool(self.reveal_ids and may)
        return self._reveal

    @property
    def facts(self):
        if self._facts is None:
            self._facts = Facts(self.data)
        return self._facts

    def _members(self):
        """(count, rows) of the members, by org then name. A reveal is put on record when
        the rows are first read (CSV and JSON never read them)."""
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
                on_file = Member.objects.filter(pk__in=members.values("id"))
                log_reveals(self.user, on_file, REVEAL_REASON)
            values = ordered.values_list(*fields).iterator(chunk_size=CHUNK)
            yield from member_rows(self.facts, values, self.reveal)

        return count, rows()

    def _activities(self):
        first, last = date(self.year, 1, 1), date(self.year, 12, 31)
        activities = Activity.objects.filter(
            party_org_id__in=self.data.party_orgs().values("id"), held_on__range=(first, last)
        )
        return activities.count(), activity_rows(self.facts, activities)

    def money_lines(self):
        return money_lines(self.facts, self.year, self.today)

    def sheets(self):
        """社会组织, 党组织, 党员, 组织生活, 考核评议, 经费 (members and activities
        streamed as they are written)."""
        facts = self.facts
        yield Sheet(_("社会组织"), ORG_COLUMNS, org_rows(facts), len(facts.orgs))
        yield Sheet(_("党组织"), PARTY_ORG_COLUMNS, party_org_rows(facts), len(facts.party_orgs))
        count, rows = self._members()
        yield Sheet(_("党员"), member_columns(self.reveal), rows, count)
        count, rows = self._activities()
        yield Sheet(_("组织生活"), ACTIVITY_COLUMNS, rows, count)
        rows = assessment_rows(facts, self.year)
        yield Sheet(_("考核评议"), ASSESSMENT_COLUMNS, rows, len(rows))
        rows = money_rows(facts, self.money_lines())
        yield Sheet(_("经费"), MONEY_COLUMNS, rows, len(rows))

    def size(self):
        """Rows of the workbook, roughly: today's orgs, members, Party organizations and
        this year's activities of the target (four counts)."""
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
        counts = facts.org_members.values()
        return {
            "orgs": len(facts.orgs),
            "org_covered": statuses[rules.ORGANIZATIONAL],
            "work_covered": statuses[rules.WORK],
            "uncovered": statuses[rules.UNCOVERED],
            "party_orgs": len(facts.party_orgs),
            "members_working": sum(n for n, _full in counts),
            "full_members_working": sum(full for _n, full in counts),
        }

    def pdf_parts(self):
        """A cover with the figures, then each sheet as tables (a wide one as several of
        PDF_MAX_COLUMNS columns), cut into parts (`pack`)."""
        tables, counts = [], []
        for sheet in self.sheets():
            made = pdf_tables(sheet)
            counts.append((sheet.title, len(made[0]["rows"])))
            tables += made
        context = {
            "title": self.title, "scope_label": self.scope_label, "landscape": True,
            "year": self.year, "as_of": self.as_of, "historical": self.data.historical,
            "masked": not self.reveal,
        }  # fmt: skip
        parts = [{**context, "cover": False, "tables": part} for part in pack(tables)]
        parts[0].update(cover=True, figures=self.summary(), counts=counts)
        return [PdfPart("ledger/pdf/annual.html", part) for part in parts]

    def as_json(self):
        """year, as_of, scope, counts per sheet, coverage, and the orgs (by USCC, or name
        for 备案 orgs) with their Party organizations and members."""
        facts = self.facts
        members, _rows = self._members()
        activities, _rows = self._activities()
        orgs = []
        for org in facts.orgs:
            status, existing = facts.coverage(org)
            n, full = facts.org_members.get(org["id"], (0, 0))
            orgs.append({
                "org": org["uscc"] or org["name"], "name": org["name"], "kind": org["kind"],
                "district": facts.regions.get(org["district_id"], ("", ""))[1],
                "supervising_unit": facts.units.get(org["supervising_unit_id"], ""),
                "channel": org["channel"], "staff_count": org["staff_count"],
                "coverage": status, "party_orgs": [p["name"] for p in existing],
                "members": n, "full_members": full,
                "instructors": len(facts.instructors.get(org["id"], ())),
                "mass_orgs": facts.mass_orgs.get(org["id"], []),
            })  # fmt: skip
        figures = self.summary()
        return {
            "year": self.year,
            "as_of": self.as_of.isoformat(),
            "scope": {"kind": self.target.kind, "code": self.target.code},
            "counts": {
                "orgs": len(facts.orgs),
                "party_orgs": len(facts.party_orgs),
                "members": members,
                "activities": activities,
                "assessments": len(facts.party_orgs),
                "budget_lines": len(self.money_lines()),
            },  # fmt: skip
            "coverage": {key: figures[key] for key in ("org_covered", "work_covered", "uncovered")},
            "orgs": orgs,
        }


# --- PDF tables -------------------------------------------------------------------------------


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return escape(str(value))


def column_groups(columns):
    """Index lists of the tables a sheet prints as: all its columns, or (when wider than
    PDF_MAX_COLUMNS) the first two with the next ones in turn, in even groups."""
    if len(columns) <= PDF_MAX_COLUMNS:
        return [list(range(len(columns)))]
    rest = list(range(2, len(columns)))
    count = -(-len(rest) // (PDF_MAX_COLUMNS - 2))
    size = -(-len(rest) // count)
    return [[0, 1, *rest[i : i + size]] for i in range(0, len(rest), size)]


def pdf_tables(sheet):
    """The tables of `sheet`: per column group its title, headers, widths (percent) and
    rows as HTML, escaped here (a template loop over 100,000 cells is slow)."""
    columns = list(sheet.columns)
    groups = column_groups(columns)
    numeric = [column.kind in (INT, MONEY) for column in columns]
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
        title = str(sheet.title) + (f"（{number}/{len(groups)}）" if len(groups) > 1 else "")
        tables.append({
            "title": title, "rows": out,
            "headers": [(str(columns[i].header), numeric[i]) for i in group],
            "widths": [f"{100 * columns[i].width / total:.2f}" for i in group],
        })  # fmt: skip
    return tables


def pack(tables):
    """The tables cut into pieces laid into parts: [[table piece, ...], ...], each piece
    with its rows as one HTML body and whether it continues a table.

    A part holds at most ROWS_PER_PART rows (the cover and each heading count as some).
    The parts are as many as that needs, rounded up to a multiple of the processes that
    render them, and even in cells (what layout time follows), so that no process is
    left with a long last part while the other waits."""
    rows = COVER_ROWS + sum(len(t["rows"]) + HEADING_ROWS for t in tables)
    cells = COVER_ROWS * 10 + sum(
        (len(t["rows"]) + HEADING_ROWS) * len(t["headers"]) for t in tables
    )
    count = -(-rows // ROWS_PER_PART)
    if count > 1:
        count += -count % PDF_WORKERS
    row_room, cell_room = ROWS_PER_PART, -(-cells // count)
    smallest = max(ROWS_PER_PART // 15, 1)  # a smaller piece starts a new part instead
    parts, room = [[]], [row_room - COVER_ROWS, cell_room - COVER_ROWS * 10]
    left = rows - COVER_ROWS  # rows of the pieces still to lay
    for table in tables:
        body, width, start = table["rows"], len(table["headers"]), 0
        while True:
            fits = min(room[0], room[1] // width) - HEADING_ROWS
            if len(parts) == count and left <= smallest:
                fits = len(body) - start  # a short tail stays in the last part
            if fits < max(len(body) - start, 1) and fits < smallest:
                parts.append([])
                room = [row_room, cell_room]
                fits = min(row_room, cell_room // width) - HEADING_ROWS
            piece = body[start : start + max(fits, 1)]
            parts[-1].append({
                "title": table["title"], "headers": table["headers"], "widths": table["widths"],
                "body": mark_safe("".join(piece)), "continued": start > 0, "empty": not body,
            })  # fmt: skip
            start += len(piece)
            left -= len(piece) + HEADING_ROWS
            room = [room[0] - len(piece) - HEADING_ROWS,
                    room[1] - (len(piece) + HEADING_ROWS) * width]  # fmt: skip
            if start >= len(body):
                break
    return parts

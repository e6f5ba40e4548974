"""Member-lifecycle demo data behind `seed_demo`: development records, transfers, floating
and lost-contact members, a relationship check and dispositions, for the stored members.

Pure, like orgs.demo (which cannot hold this: orgs does not import members): no database
access. seed_demo reads the register into a `Snapshot` and writes the returned `Plan`.
Every row is valid by construction (tests/members/test_demo_lifecycle.py runs full_clean
on a sample) and dated back from `today`, the day seed_demo runs. One
``random.Random(f"{seed}:lifecycle")`` makes every choice, over members in ID-number
order, so a seed gives the same rows for the same register on the same day.

Per 100 members on the register, about: 3 development records (applicants, activists,
candidates and probationary members, these linked to their member record), 1 transfer,
1 floating record (the members flagged 流动党员, and a few that have ended), 0.3 members
out of contact for 6 months or more (about half of them registered as lost-contact
cases), 0.1 dispositions. Every worklist of members.selectors gets at least one row, and
the secretary's Party organization a development record and a transfer addressed to it.
"""

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from stdnum.cn import ric as stdnum_ric

from members import rules
from members.demo_cases import ACTIVE, FULL, IN_TRANSIT, WITHIN, CasesMixin
from members.models import Development, Member
from orgs import demo

# Rates per 100 members on the register (a minimum of one where a worklist needs it).
APPLICANT_RATE, ACTIVIST_RATE, CANDIDATE_RATE = 0.8, 1.0, 0.5
LINKED_PROBATIONARY_RATE = 0.55  # stored probationary members given their record
PROBATION_ENDING_RATE = 0.05  # admitted through this system: probation ends within 30 days
PROBATION_OVERDUE_RATE = 0.05  # probation over, 转正 not yet discussed
STOPPED_RATE = 0.1

# Area codes of Nanjing districts merged in 2013 (白下, 下关) and of the former counties
# (溧水, 高淳): still on older people's ID numbers, never drawn by orgs.demo, so the people
# made up here cannot take an ID number a larger --orgs later gives a member.
FORMER_AREAS = ("320103", "320107", "320124", "320125")
ROLES = (("staff", 55), ("backbone", 30), ("management", 10), ("", 5))
STOP_REASONS = ("本人撤回入党申请", "离职，转由新单位党组织培养", "培养考察中表现不符合条件")


class MemberRow(NamedTuple):
    """One stored member, as seed_demo reads it (`FIELDS`, then whether they hold a post)."""

    pk: int
    id_number: str
    name: str
    birth_date: datetime.date
    workplace_id: int
    workplace_role: str
    party_org_id: int | None
    category: str
    joined_on: datetime.date
    full_member_on: datetime.date | None
    last_contact_on: datetime.date | None
    is_floating: bool
    outside_holder: str
    status: str
    has_post: bool = False

    FIELDS = (
        "pk", "id_number", "name", "birth_date", "workplace_id", "workplace_role",
        "party_org_id", "category", "joined_on", "full_member_on", "last_contact_on",
        "is_floating", "outside_holder", "status",
    )  # fmt: skip


class PartyOrgRow(NamedTuple):
    name: str
    parent_name: str  # "" for a top-level one
    district: str  # of the orgs it covers ("" when unknown)


@dataclass
class Snapshot:
    members: list[MemberRow]  # every stored member, whatever the status
    party_orgs: dict[int, PartyOrgRow]  # the Party organizations not dissolved
    org_districts: dict[int, str] = field(default_factory=dict)  # org pk → district name
    secretary_party_org_id: int | None = None  # the `shuji` account's
    secretary_org_ids: frozenset = frozenset()  # the orgs it covers


@dataclass
class Plan:
    new_members: list = field(default_factory=list)  # admitted through development
    member_changes: dict = field(default_factory=dict)  # pk → {field: value}
    change_reasons: dict = field(default_factory=dict)  # pk → why (the history's reason)
    developments: list = field(default_factory=list)
    transfers: list = field(default_factory=list)
    floating: list = field(default_factory=list)
    attends: list = field(default_factory=list)  # (member pk, Party organization pk)
    lost_contacts: list = field(default_factory=list)
    lost_steps: list = field(default_factory=list)
    dispositions: list = field(default_factory=list)
    checks: list = field(default_factory=list)
    findings: list = field(default_factory=list)


def demo_lifecycle(snapshot: Snapshot, *, seed: int, today: datetime.date) -> Plan:
    return _Builder(snapshot, seed, today).build()


def _days(n):
    return datetime.timedelta(days=n)


class _Builder(CasesMixin):
    def __init__(self, snapshot, seed, today):
        self.snapshot, self.today = snapshot, today
        self.rng = random.Random(f"{seed}:lifecycle")
        self.plan = Plan()
        members = sorted(snapshot.members, key=lambda m: m.id_number)
        self.used_ids = {m.id_number for m in members}
        self.active = [m for m in members if m.status == ACTIVE]
        self.n = len(self.active)
        self.by_pk = {m.pk: m for m in self.active}
        self.held = defaultdict(list)  # Party organization → the members it holds
        self.covering = {}  # org → a Party organization holding members who work there
        for m in self.active:
            if m.party_org_id in snapshot.party_orgs:
                self.held[m.party_org_id].append(m)
                self.covering.setdefault(m.workplace_id, m.party_org_id)
        self.held_members = [m for m in self.active if m.party_org_id in self.held]
        self.workplaces = {p: sorted({m.workplace_id for m in ms}) for p, ms in self.held.items()}
        self.by_district = defaultdict(list)
        for party in sorted(self.held):
            self.by_district[snapshot.party_orgs[party].district].append(party)
        self.out_of_touch = {
            m.pk for m in self.active if rules.is_lost_contact(m.last_contact_on, today)
        }
        # Flagged floating members and those out of touch are kept for their own records.
        self.busy = {m.pk for m in self.active if m.is_floating} | self.out_of_touch
        self.protected = {m.pk for m in self.active if m.has_post}  # and sponsors, below
        self.left = set()  # members this plan takes off the register
        self.held_pool = self._shuffled(self.held_members)
        self.outside_pool = self._shuffled(
            [m for m in self.active if not m.party_org_id and m.workplace_id in self.covering]
        )
        self.letters = 0

    def build(self):
        if self.held_members:
            self._secretary_items()
            self._developments()
            self._transfers()
            self._floating()
            self._lost_contacts()
            self._dispositions()
            self._check()
        return self.plan

    # -- helpers -------------------------------------------------------------------------

    def _quota(self, rate, minimum=1):
        return max(minimum, round(self.n * rate / 100)) if self.n else 0

    def _shuffled(self, items):
        items = list(items)
        self.rng.shuffle(items)
        return items

    def _ago(self, low, high):
        return self.today - _days(self.rng.randint(low, high))

    def _take(self, pool, accept=None):
        """The next free member of `pool` (that `accept`s), now busy; None when none is."""
        i = len(pool) - 1
        while i >= 0:
            m = pool[i]
            if m.pk in self.busy or m.pk in self.protected:
                pool.pop(i)
            elif accept is None or accept(m):
                pool.pop(i)
                self.busy.add(m.pk)
                return m
            i -= 1
        return None

    def _change(self, m, reason, **fields):
        self.plan.member_changes.setdefault(m.pk, {}).update(fields)
        self.plan.change_reasons[m.pk] = reason
        if fields.get("status", ACTIVE) != ACTIVE:
            self.left.add(m.pk)
        if "last_contact_on" in fields:
            self.by_pk[m.pk] = m._replace(last_contact_on=fields["last_contact_on"])

    def _kinds(self, n, weighted):
        """n kinds drawn by weight; the first kind (a worklist's) at least once."""
        if n <= 0:
            return []
        names, weights = zip(*weighted, strict=True)
        return [names[0], *self.rng.choices(names, weights=weights, k=n - 1)]

    def _person(self):
        given = self.rng.choice(demo.GIVEN_CHARS)
        if self.rng.random() < 0.75:
            given += self.rng.choice(demo.GIVEN_CHARS)
        return self.rng.choice(demo.SURNAMES) + given

    def _phone(self):
        return self.rng.choice(demo.PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def _identity(self, applied_on):
        """(name, ID number) of a new person 18 or older on `applied_on`."""
        age = 18 + min(int(self.rng.expovariate(1 / 5)), 27)
        birth = rules.add_months(applied_on, -12 * (age + 1)) + _days(self.rng.randint(1, 364))
        area = self.rng.choice(FORMER_AREAS)
        while True:
            body = f"{area}{birth:%Y%m%d}{self.rng.randint(0, 999):03d}"
            number = body + stdnum_ric.calc_check_digit(body + "0")
            if number not in self.used_ids:
                self.used_ids.add(number)
                return self._person(), number

    def _approver(self, party):
        """Who approves an admission: the parent committee, else the district's 两新工委."""
        row = self.snapshot.party_orgs[party]
        if row.parent_name:
            return row.parent_name
        return f"中共南京市{row.district}委两新工委" if row.district else demo.TWO_NEW

    def _other_party(self, party):
        """Another Party organization holding members, of the same district if there is one."""
        options = [
            p for p in self.by_district[self.snapshot.party_orgs[party].district] if p != party
        ]
        if not options:
            options = [p for p in self.held if p != party]
        return self.rng.choice(sorted(options)) if options else None

    # -- development ---------------------------------------------------------------------

    def _secretary_items(self):
        """The secretary's own work: an applicant not yet talked to, an activist ready to
        become a candidate, and a transfer on its way to their Party organization."""
        party = self.snapshot.secretary_party_org_id
        if party not in self.held:
            return
        orgs = sorted(self.snapshot.secretary_org_ids) or self.workplaces[party]
        self._development(party, self.rng.choice(orgs), self._applicant_dates("overdue"))
        self._development(party, self.rng.choice(orgs), self._activist_dates("ready"))
        member = self._take(self.held_pool, lambda m: m.party_org_id != party)
        if member is not None:
            self._transfer(member, WITHIN, IN_TRANSIT, to=party, new_workplaces=orgs)

    def _developments(self):
        weighted = (("overdue", 25), ("waiting", 25), ("talked", 50))
        for kind in self._kinds(self._quota(APPLICANT_RATE), weighted):
            self._development(*self._anchor(), self._applicant_dates(kind))
        for kind in self._kinds(self._quota(ACTIVIST_RATE), (("ready", 40), ("training", 60))):
            self._development(*self._anchor(), self._activist_dates(kind))
        for _ in range(self._quota(CANDIDATE_RATE)):
            dates = self._candidate_dates(self._ago(5, 200))
            anchor = self._anchor(sponsors_on=dates["candidate_on"])
            if anchor:
                party, workplace, sponsors = anchor
                self._development(party, workplace, dates, sponsors)
        self._linked_probationary()
        ending = [self._ending_admission() for _ in range(self._quota(PROBATION_ENDING_RATE))]
        overdue = [self._ago(380, 460) for _ in range(self._quota(PROBATION_OVERDUE_RATE))]
        for admitted in ending + overdue:
            self._new_probationary(admitted)
        for _ in range(self._quota(STOPPED_RATE, minimum=0)):
            dates = self._activist_dates("training") if self.rng.random() < 0.5 else {}
            dates = dates or self._applicant_dates("talked")
            last = max(day for day in dates.values())
            dates["stopped_on"] = min(self.today, last + _days(self.rng.randint(20, 200)))
            record = self._development(*self._anchor(), dates)
            record.stop_reason = self.rng.choice(STOP_REASONS)

    def _anchor(self, sponsors_on=None):
        """(Party organization, workplace[, sponsors]) of a random member on the register:
        Party organizations develop in proportion to their size."""
        for _ in range(50):
            m = self.rng.choice(self.held_members)
            if sponsors_on is None:
                return m.party_org_id, m.workplace_id
            sponsors = self._sponsors(m.party_org_id, sponsors_on)
            if sponsors:
                return m.party_org_id, m.workplace_id, sponsors
        return None

    def _sponsors(self, party, on):
        """Two full members of `party` on `on`, kept on the register (入党介绍人)."""
        pool = [
            m.pk
            for m in self.held[party]
            if m.category == FULL
            and m.full_member_on
            and m.full_member_on <= on
            and m.pk not in self.busy
        ]
        if len(pool) < 2:
            return None
        pair = self.rng.sample(pool, 2)
        self.protected.update(pair)
        return pair

    def _applicant_dates(self, kind):
        if kind == "overdue":  # no talk a month after applying
            return {"applied_on": rules.add_months(self.today, -1) - _days(self.rng.randint(3, 75))}
        if kind == "waiting":
            return {"applied_on": self._ago(0, 20)}
        applied = self._ago(15, 300)
        return {
            "applied_on": applied,
            "talked_on": min(self.today, applied + _days(self.rng.randint(5, 28))),
        }

    def _before(self, activist_on):
        applied = activist_on - _days(self.rng.randint(60, 400))
        talked = min(activist_on, applied + _days(self.rng.randint(5, 28)))
        return {"applied_on": applied, "talked_on": talked, "activist_on": activist_on}

    def _activist_dates(self, kind):
        if kind == "ready":  # trained a year or more
            return self._before(rules.add_months(self.today, -12) - _days(self.rng.randint(0, 200)))
        return self._before(self._ago(20, 330))

    def _candidate_dates(self, candidate_on):
        activist = rules.add_months(candidate_on, -12) - _days(self.rng.randint(0, 240))
        return {**self._before(activist), "candidate_on": candidate_on}

    def _admission_dates(self, admitted_on):
        dates = self._candidate_dates(admitted_on - _days(self.rng.randint(60, 200)))
        return {**dates, "admitted_on": admitted_on}

    def _ending_admission(self):
        """An admission day whose probation ends within the next 30 days."""
        while True:
            admitted = rules.add_months(self.today, -12) + _days(self.rng.randint(0, 28))
            if self.today <= rules.probation_end(admitted) <= rules.due_soon_until(self.today):
                return admitted

    def _development(self, party, workplace, dates, sponsors=None, *, identity=None, role=None):
        name, number = identity or self._identity(dates["applied_on"])
        record = Development(
            name=name,
            id_number=number,
            workplace_id=workplace,
            workplace_role=self.rng.choices(*zip(*ROLES, strict=True))[0] if role is None else role,
            party_org_id=party,
            **dates,
        )
        if sponsors:
            record.sponsor_1_id, record.sponsor_2_id = sponsors
        if dates.get("admitted_on"):
            record.admission_approved_by = self._approver(party)
            year, number = dates["admitted_on"].year, self.rng.randint(1, 150)
            record.admission_document = f"宁两新发〔{year}〕{number}号"
        record.derive_from_id_number()
        record.derive()
        self.plan.developments.append(record)
        return record

    def _linked_probationary(self):
        """Records of stored probationary members: admitted on their 入党日期, by the Party
        organization holding them, the earlier stages counted back from it."""
        pool = self._shuffled(m for m in self.held_members if m.category != FULL)
        for _ in range(self._quota(LINKED_PROBATIONARY_RATE)):
            while (m := self._take(pool)) is not None:
                dates = self._admission_dates(m.joined_on)
                adult = rules.add_months(m.birth_date, 12 * 18) + _days(1)  # 29 Feb too
                if adult > dates["activist_on"]:
                    continue  # too young for a year as an activist before joining
                if dates["applied_on"] < adult:
                    dates["applied_on"] = adult
                    dates["talked_on"] = max(dates["talked_on"], adult)
                sponsors = self._sponsors(m.party_org_id, dates["candidate_on"])
                if sponsors:
                    identity = (m.name, m.id_number)
                    record = self._development(
                        m.party_org_id, m.workplace_id, dates, sponsors,
                        identity=identity, role=m.workplace_role,
                    )  # fmt: skip
                    record.member_id = m.pk
                    break

    def _new_probationary(self, admitted_on):
        """A person admitted through this system: their record and their member record."""
        dates = self._admission_dates(admitted_on)
        anchor = self._anchor(sponsors_on=dates["candidate_on"])
        if anchor is None:
            return
        party, workplace, sponsors = anchor
        record = self._development(party, workplace, dates, sponsors)
        member = Member(
            name=record.name,
            id_number=record.id_number,
            ethnicity=self.rng.choices(
                demo.ETHNICITY_NAMES, cum_weights=demo.ETHNICITY_CUM_WEIGHTS
            )[0],
            education=self.rng.choices(demo.EDUCATIONS, weights=demo.EDUCATION_WEIGHTS)[0],
            phone=self._phone(),
            workplace_id=workplace,
            workplace_role=record.workplace_role,
            category=Member.Category.PROBATIONARY,
            joined_on=admitted_on,
            party_org_id=party,
            last_contact_on=self._ago(0, 90),
        )
        member.derive_from_id_number()
        record.member = member
        self.plan.new_members.append(member)

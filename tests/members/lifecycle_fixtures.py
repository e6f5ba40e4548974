"""Small builders shared by the member-lifecycle tests (development, transfers, floating
and lost-contact members, dispositions, worklists).

Everything stands on the `world` fixture of tests/members/conftest.py: 玄武区 orgs 1–3,
a 秦淮区 org, and the Party organizations SUN (org 1), JOINT (orgs 2, 3) and QINHUAI.
Import the fixtures explicitly: `lifecycle = lifecycle_fixtures.lifecycle`.
"""

import datetime
import itertools
from zoneinfo import ZoneInfo

import pytest
import time_machine

from members.models import Development, Member
from orgs.models import Unit
from tests import factories
from tests.members.conftest import id_number

D = datetime.date
# The day the tests live on, unless a test travels elsewhere: a Monday, far from month ends.
TODAY = D(2025, 6, 16)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def frozen(day):
    """Freeze the clock at noon of `day` in the project's time zone (timezone.localdate())."""
    noon = datetime.datetime.combine(day, datetime.time(12), SHANGHAI)
    return time_machine.travel(noon, tick=False)


def errors_of(excinfo):
    """{field: [messages]} of a raised ValidationError (NON_FIELD_ERRORS as '__all__')."""
    exc = excinfo.value
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def all_messages(excinfo):
    return [message for messages in errors_of(excinfo).values() for message in messages]


class Lifecycle:
    """The world plus builders of members, development records and units."""

    def __init__(self, world):
        self.world = world
        self.orgs, self.sun, self.joint = world.orgs, world.sun, world.joint
        self.qinhuai, self.qinhuai_org = world.qinhuai, world.qinhuai_org
        self._serials = itertools.count(101)
        self.user = factories.UserFactory(username="lifecycle_officer", unit=None)

    def serial(self):
        return next(self._serials)

    def member(self, workplace=None, party_org=None, *, birth="19800101", **fields):
        """A saved member (full, joined 2010) with a fresh valid ID number."""
        serial = self.serial()
        fields.setdefault("category", Member.Category.FULL)
        fields.setdefault("joined_on", D(2010, 7, 1))
        if fields["category"] == Member.Category.FULL:
            fields.setdefault("full_member_on", D(2011, 7, 1))
        fields.setdefault("id_number", id_number(birth=birth, serial=serial))
        member = Member(
            name=f"党员{serial}",
            workplace=workplace or self.orgs[1],
            party_org=party_org,
            **fields,
        )
        member.derive_from_id_number()
        member.save()
        return member

    def sun_member(self, **fields):
        return self.member(self.orgs[1], self.sun, **fields)

    def development(self, *, birth="19950315", **fields):
        """An unsaved development record of a new person at org 1, developed by SUN."""
        serial = self.serial()
        fields.setdefault("name", f"申请人{serial}")
        fields.setdefault("id_number", id_number(birth=birth, serial=serial, male=False))
        fields.setdefault("workplace", self.orgs[1])
        fields.setdefault("party_org", self.sun)
        fields.setdefault("applied_on", D(2023, 3, 1))
        record = Development(**fields)
        record.derive_from_id_number()
        return record

    def saved_development(self, **fields):
        """A development row written straight to the database (no checks): for selectors."""
        record = self.development(**fields)
        record.save()
        return record

    def two_new_unit(self, district):
        return factories.UnitFactory(
            name=f"中共南京市{district.name}委两新工委",
            kind=Unit.Kind.TWO_NEW,
            level=Unit.Level.DISTRICT,
            region=district,
        )


@pytest.fixture
def today():
    """TODAY, with the clock frozen on it for the whole test."""
    with frozen(TODAY):
        yield TODAY


@pytest.fixture
def lifecycle(world, today):
    return Lifecycle(world)

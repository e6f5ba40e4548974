"""Which targets a user may export (ledger.targets) and which reports of them
(ledger.catalog): the access and, above all, the denial. The world is conftest's small
Nanjing (玄武区 and 秦淮区)."""

import pytest

from ledger import catalog, targets
from orgs.models import SocialOrg

XUANWU, QINHUAI = "district:320102", "district:320104"
XUANWU_ORGS = {"A", "B", "D", "E", "F", "G", "H", "X"}
QINHUAI_ORGS = {"C", "I", "K", "T", "filed"}
CHANNELS = {f"channel:{c}" for c in SocialOrg.Channel.values}


def keys(user):
    return [target.key for target in targets.choices_for(user)]


def org_letters(city, target):
    names = set(target.orgs().values_list("name", flat=True))
    return {letter for letter, org in city.orgs.items() if org.name in names}


def test_a_city_officer_may_export_the_city_each_district_each_channel_and_each_unit(city, users):
    choices = keys(users["city_two_new"])
    assert choices[:3] == ["city", XUANWU, QINHUAI]
    assert CHANNELS <= set(choices)
    education = city.orgs["G"].supervising_unit
    assert f"unit:{education.pk}" in choices


def test_a_district_officer_may_export_only_their_district(city, users):
    choices = keys(users["xuanwu_two_new"])
    assert choices[0] == XUANWU
    assert "city" not in choices and QINHUAI not in choices
    assert targets.resolve(users["xuanwu_two_new"], QINHUAI) is None
    assert targets.resolve(users["xuanwu_two_new"], "city") is None


@pytest.mark.parametrize(
    ("role", "key", "letters"),
    [
        ("city_two_new", "city", XUANWU_ORGS | QINHUAI_ORGS),
        ("city_two_new", XUANWU, XUANWU_ORGS),
        ("city_two_new", QINHUAI, QINHUAI_ORGS),
        ("xuanwu_two_new", XUANWU, XUANWU_ORGS),
        ("qinhuai_two_new", QINHUAI, QINHUAI_ORGS),
        ("education", "own", {"G"}),
        ("secretary", "own", {"A"}),
        ("admin", "city", XUANWU_ORGS | QINHUAI_ORGS),
    ],
)
def test_a_target_holds_exactly_the_orgs_of_its_scope(city, users, role, key, letters):
    target = targets.resolve(users[role], key)
    assert target is not None
    assert org_letters(city, target) == letters


def test_a_unit_target_chosen_by_a_district_officer_stays_inside_their_district(city, users):
    """南京市教育局 supervises 玄武区's G; picked by 秦淮区's officer it holds nothing."""
    education = city.orgs["G"].supervising_unit
    key = f"unit:{education.pk}"
    assert org_letters(city, targets.resolve(users["city_two_new"], key)) == {"G"}
    qinhuai = targets.resolve(users["qinhuai_two_new"], key)
    assert qinhuai is None or org_letters(city, qinhuai) == set()


def test_a_channel_target_holds_only_orgs_of_that_channel(city, users):
    for channel in SocialOrg.Channel.values:
        target = targets.resolve(users["xuanwu_two_new"], f"channel:320102:{channel}")
        expected = {
            letter
            for letter in XUANWU_ORGS
            if SocialOrg.objects.get(pk=city.orgs[letter].pk).channel == channel
        }
        assert org_letters(city, target) == expected


@pytest.mark.parametrize("role", ["education", "secretary", "xuanwu_registry"])
def test_a_unit_without_a_territory_may_export_only_its_own_scope(city, users, role):
    assert keys(users[role]) == ["own"]
    for key in ("city", XUANWU, QINHUAI, "channel:street"):
        assert targets.resolve(users[role], key) is None


# --- catalog: report × target × user ---------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "report", "key", "allowed"),
    [
        ("city_two_new", "summary", "city", True),
        ("city_two_new", "summary", XUANWU, True),
        ("xuanwu_two_new", "summary", XUANWU, True),
        ("xuanwu_two_new", "summary", QINHUAI, False),
        ("xuanwu_two_new", "summary", "channel:320102:street", False),  # not a territory
        ("education", "summary", "own", False),
        ("xuanwu_two_new", "ledger", XUANWU, True),
        ("xuanwu_two_new", "ledger", QINHUAI, False),
        ("education", "ledger", "own", True),
        ("education", "ledger", XUANWU, False),
        ("secretary", "ledger", "own", True),
        ("xuanwu_two_new", "budget", XUANWU, True),
        ("xuanwu_two_new", "budget", "city", False),
        ("secretary", "budget", "own", False),  # secretaries see no budgets
        ("nobody", "ledger", "city", False),
    ],
)
def test_who_may_have_which_report_of_which_target(city, users, role, report, key, allowed):
    user = users.get(role)
    if user is None:
        from tests import factories

        user = factories.UserFactory(username="nobody", unit=None)
    assert (catalog.target_for(user, report, key) is not None) is allowed


@pytest.mark.parametrize(
    ("role", "letter", "allowed"),
    [
        ("xuanwu_two_new", "A", True),
        ("xuanwu_two_new", "C", False),
        ("qinhuai_two_new", "C", True),
        ("education", "G", True),
        ("education", "A", False),
        ("secretary", "A", True),
        ("secretary", "H", False),
        ("admin", "T", True),
    ],
)
def test_a_dossier_is_only_of_an_org_the_users_scope_holds(city, users, role, letter, allowed):
    key = f"org:{city.orgs[letter].pk}"
    assert (catalog.target_for(users[role], "dossier", key) is not None) is allowed


@pytest.mark.parametrize("key", ["org:", "org:x", "unit:1", "org:999999"])
def test_a_malformed_or_unknown_dossier_key_is_refused(city, users, key):
    assert catalog.target_for(users["admin"], "dossier", key) is None

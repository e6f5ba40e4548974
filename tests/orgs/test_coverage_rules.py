"""Coverage (两个覆盖, §四) and managing-channel (§八) rules of orgs/rules.py, each at its
edge: 2 vs 3 full members, 29 vs 30 staff, a dissolved Party organization, a deregistered
org, the first 12 months of a new Party organization, channel precedence."""

import datetime

import pytest

from orgs import rules

D = datetime.date
TODAY = D(2026, 6, 15)


# --- 组织覆盖, 工作覆盖, 未覆盖 -------------------------------------------------------------


@pytest.mark.parametrize(
    ("org_active", "party_orgs", "instructors", "mass_orgs", "status"),
    [
        (True, [None], 0, (), "organizational"),
        (True, [None, D(2025, 1, 1)], 0, (), "organizational"),  # one still exists
        (True, [D(2026, 6, 15)], 0, (), "uncovered"),  # dissolved today: gone
        (True, [D(2026, 6, 16)], 0, (), "organizational"),  # dissolved tomorrow: exists
        (True, [D(2025, 1, 1)], 1, (), "work"),  # dissolved, an instructor remains
        (True, [], 1, (), "work"),
        (True, [], 0, ("工会",), "work"),
        (True, [], 0, (), "uncovered"),
        (False, [None], 1, ("工会",), "not_applicable"),  # deregistered: outside the count
    ],
)
def test_an_org_is_covered_by_an_existing_party_org_else_by_work_else_not(
    org_active, party_orgs, instructors, mass_orgs, status
):
    verdict = rules.coverage_status(
        org_active=org_active,
        party_orgs_dissolved_on=party_orgs,
        today=TODAY,
        instructors=instructors,
        mass_orgs=mass_orgs,
    )
    assert verdict.value == status
    assert verdict.reasons  # every verdict says why


def test_a_dissolved_party_org_is_named_among_the_reasons_of_an_uncovered_org():
    verdict = rules.coverage_status(
        org_active=True, party_orgs_dissolved_on=[D(2025, 1, 1)], today=TODAY
    )
    assert verdict.reasons == (
        "原党组织已撤销",
        "未建立党组织，也未选派党建工作指导员或建立群团组织",
    )


# --- recommended form and ready to stand alone -------------------------------------------


@pytest.mark.parametrize(
    ("full_members", "workstation", "form"),
    [
        (3, False, "standalone"),
        (3, True, "standalone"),
        (2, False, "joint"),  # 2 vs 3: joint
        (1, False, "joint"),
        (2, True, "workstation"),  # or the zone's workstation
        (0, False, "instructor"),
        (0, True, "instructor"),
    ],
)
def test_three_full_members_stand_alone_fewer_join_none_get_an_instructor(
    full_members, workstation, form
):
    verdict = rules.recommended_form(full_members, zone_has_workstation=workstation)
    assert verdict.value == form


@pytest.mark.parametrize(
    ("full_members", "formations", "ready"),
    [
        (3, ["joint"], True),
        (2, ["joint"], False),  # 2 vs 3
        (3, ["workstation"], True),
        (3, ["joint", "standalone"], False),  # already has its own
        (3, [], False),  # not covered at all: another worklist
        (5, ["standalone"], False),
    ],
)
def test_an_org_with_three_full_members_only_in_a_joint_party_org_is_ready_to_stand_alone(
    full_members, formations, ready
):
    assert rules.ready_to_stand_alone(full_members, formations) is ready


# --- key sectors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "sector", "staff", "covered", "ok"),
    [
        ("service", "education", 30, False, False),  # 民办学校 of 30: must have one
        ("service", "education", 29, False, True),  # 29 vs 30
        ("service", "education", 30, True, True),
        ("service", "health", 45, False, False),  # 民办医院
        ("law_firm", "legal", 30, False, False),
        ("accounting_firm", "accounting", 31, False, False),
        ("tax_firm", "tax", 30, False, False),
        ("association", "education", 200, False, True),  # a 社会团体 is not a school
        ("service", "culture", 200, False, True),
    ],
)
def test_key_sector_orgs_with_thirty_staff_must_have_a_party_org(kind, sector, staff, covered, ok):
    finding = rules.key_sector_finding(
        kind=kind, sector=sector, staff_count=staff, organizationally_covered=covered
    )
    assert finding.ok is ok
    assert bool(finding.reason) is not ok


def test_the_key_sector_list_and_threshold_are_settings(settings):
    settings.KEY_SECTORS = (("service", "culture"),)
    settings.KEY_SECTOR_MIN_STAFF = 10
    finding = rules.key_sector_finding(
        kind="service", sector="culture", staff_count=10, organizationally_covered=False
    )
    assert not finding.ok and "10人以上" in finding.reason
    assert rules.key_sector_finding(
        kind="service", sector="education", staff_count=500, organizationally_covered=False
    ).ok


# --- size ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "members", "upgrade"),
    [
        ("branch", 49, None),
        ("branch", 50, "general_branch"),  # ≥ 50 may become 总支
        ("branch", 100, "committee"),  # ≥ 100 a 党委
        ("general_branch", 99, None),
        ("general_branch", 100, "committee"),
        ("committee", 500, None),
    ],
)
def test_fifty_members_may_form_a_general_branch_and_a_hundred_a_committee(kind, members, upgrade):
    assert rules.size_upgrade(kind, members) == upgrade


# --- new Party organizations at risk ------------------------------------------------------


FOUNDED = D(2026, 1, 10)
ALL_RISKS = ("90天以上未开展组织生活", "未配备书记", "正式党员0名，不足3名")


@pytest.mark.parametrize(
    ("today", "secretary", "full", "last_activity", "risks"),
    [
        (D(2026, 6, 15), True, 3, D(2026, 6, 1), ()),
        (D(2026, 6, 15), False, 3, D(2026, 6, 1), ("未配备书记",)),
        (D(2026, 6, 15), True, 2, D(2026, 6, 1), ("正式党员2名，不足3名",)),
        (D(2026, 6, 15), True, 3, D(2026, 3, 17), ("90天以上未开展组织生活",)),
        (D(2026, 6, 15), True, 3, D(2026, 3, 18), ()),  # 89 days
        (D(2026, 6, 15), True, 3, None, ("90天以上未开展组织生活",)),  # none since founding
        (D(2026, 4, 9), True, 3, None, ()),  # founded 89 days ago, none yet
        (D(2026, 4, 10), True, 3, None, ("90天以上未开展组织生活",)),  # 90 days
        (D(2027, 1, 9), False, 0, None, ALL_RISKS),  # the last day watched
        (D(2027, 1, 10), False, 0, None, ()),  # 12 months on: no longer watched
    ],
)  # fmt: skip
def test_a_new_party_org_is_at_risk_without_activity_secretary_or_three_full_members(
    today, secretary, full, last_activity, risks
):
    found = rules.new_party_org_risks(
        founded_on=FOUNDED,
        today=today,
        has_secretary=secretary,
        full_members=full,
        last_activity_on=last_activity,
    )
    assert found == risks


# --- managing channel --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "sector", "supervisor", "community", "street", "channel"),
    [
        ("law_firm", "legal", True, True, True, "sector"),  # rule 1 wins over all
        ("association", "legal", True, False, False, "sector"),  # a lawyers' association
        ("association", "education", True, True, True, "supervisor"),  # rule 2 over 3
        ("community_filed", "culture", False, True, True, "street"),
        ("community_filed", "culture", False, True, False, "fallback"),  # street unknown
        ("association", "culture", False, False, True, "fallback"),
        ("foundation", "social_service", False, False, False, "fallback"),
    ],
)
def test_the_managing_channel_is_the_first_rule_that_matches(
    kind, sector, supervisor, community, street, channel
):
    verdict = rules.managing_channel(
        kind=kind,
        sector=sector,
        has_supervising_unit=supervisor,
        is_community=community,
        has_street=street,
    )
    assert verdict.value == channel
    rule_number = {"sector": "1", "supervisor": "2", "street": "3", "fallback": "4"}[channel]
    assert verdict.reasons[0].startswith(f"规则{rule_number}")

"""Organizational life and its assessment (§五, §六, §七, §九, §十; domain.md §2).

- life: activities (三会一课 …), their attachments, the annual assessment of a Party
  organization and 民主评议党员;
- points: 积分考核, configurable point rules and manual point entries;
- work: the Party-building work mechanisms of §九 and §十 — unit assessments
  (述职评议考核), training, joint meetings, contact records and typical cases.
"""

from assessments.models.life import (
    Activity,
    ActivityAttachment,
    ActivityMonths,
    Evaluation,
    Grade,
    MemberReview,
    PartyOrgAssessment,
    assessable,
    eligible_attendees,
)
from assessments.models.points import PointEntry, PointRule
from assessments.models.work import (
    ContactRecord,
    JointMeeting,
    JointMeetingDecision,
    TrainingAttendance,
    TrainingSession,
    TypicalCase,
    UnitAssessment,
    UnitScopedQuerySet,
)

__all__ = [
    "Activity",
    "ActivityAttachment",
    "ActivityMonths",
    "ContactRecord",
    "Evaluation",
    "Grade",
    "JointMeeting",
    "JointMeetingDecision",
    "MemberReview",
    "PartyOrgAssessment",
    "PointEntry",
    "PointRule",
    "TrainingAttendance",
    "TrainingSession",
    "TypicalCase",
    "UnitAssessment",
    "UnitScopedQuerySet",
    "assessable",
    "eligible_attendees",
]

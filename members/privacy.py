"""Personal data of members: the 身份证号 is masked unless revealed, and every reveal is
recorded (who, whom, when, why).

The masked form keeps the area code and the last four characters; what it hides is
exactly the birth date, so screens that mask the number must not show the birth date
either (they show the age).
"""

import re

from django.db import transaction
from django.utils import timezone

from members.models import IdNumberReveal, Member
from orgs import rules
from orgs.validators import mask_id_number, normalize_code

# What a search box must hold to be taken as a full ID number: 17 digits and a check
# character, after normalizing (full-width digits, spaces, a lower-case x).
_FULL_ID_NUMBER = re.compile(r"\d{17}[\dX]")
MASKED_DATE = "****-**-**"
# Who may see a full number (each time on record).
REVEAL_PERMISSION = "members.reveal_id_number"
# Member fields that give the hidden digits away; never shown, filtered or searched.
PRIVATE_FIELDS = ("id_number", "birth_date")


def full_id_number_term(term):
    """The normalized ID number if `term` is one (18 characters), else None."""
    normalized = normalize_code(term or "")
    return normalized if _FULL_ID_NUMBER.fullmatch(normalized) else None


def masked(value):
    return mask_id_number(value or "")


def mask_phone(value):
    """139****5678: the last four characters, and the network's three digits of a mobile
    number (11 digits from 1); everything else hidden."""
    value = (value or "").strip()
    if len(value) <= 4:
        return "*" * len(value)
    keep = 3 if len(value) == 11 and value.isdigit() and value.startswith("1") else 0
    return value[:keep] + "*" * (len(value) - keep - 4) + value[-4:]


def age(member, today=None):
    """Whole years of age, shown instead of the birth date."""
    if not member.birth_date:
        return None
    return rules.age_on(member.birth_date, today or timezone.localdate())


def id_number_reveal(*, user, member: Member, reason: str) -> str:
    """Record that `user` saw `member`'s full ID number, and return it.

    The caller has checked the permission and the scope; the record is written before the
    number is handed out, so a reveal that is not on record cannot happen.
    """
    reveal = IdNumberReveal(user=user, member=member, reason=reason.strip())
    reveal.full_clean()
    with transaction.atomic():
        reveal.save()
    return member.id_number

"""Code checks behind our own small wrappers around python-stdnum.

python-stdnum's `cn.uscc.validate` insists that the first eight characters are digits,
which rejects real codes whose registering department is a letter (e.g. N for 农业,
Y for others). We keep its check-character calculation and do the format checks
ourselves, following GB 32100-2015.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc as stdnum_uscc

# GB 32100-2015: the 31 characters a code may use (no I, O, S, V, Z).
USCC_ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")
USCC_LENGTH = 18

MSG_USCC_LENGTH = _("统一社会信用代码应为18位，当前为{length}位")
MSG_USCC_CHARS = _("统一社会信用代码含有不允许的字符“{chars}”（不使用I、O、S、V、Z）")
MSG_USCC_CHECK = _("统一社会信用代码校验位错误，应为“{expected}”")


def normalize_code(value: str) -> str:
    """Full-width letters and digits to ASCII, spaces (also ideographic) removed, upper case."""
    value = unicodedata.normalize("NFKC", value or "")
    return "".join(value.split()).replace("-", "").upper()


def uscc_problem(value: str) -> str | None:
    """Why `value` (already normalized) is not a valid USCC, or None if it is."""
    if len(value) != USCC_LENGTH:
        return str(MSG_USCC_LENGTH).format(length=len(value))
    bad = sorted({c for c in value if c not in USCC_ALPHABET})
    if bad:
        return str(MSG_USCC_CHARS).format(chars="".join(bad))
    expected = stdnum_uscc.calc_check_digit(value[:17])
    if value[17] != expected:
        return str(MSG_USCC_CHECK).format(expected=expected)
    return None


def validate_uscc(value: str) -> None:
    """Model-field validator: raises ValidationError with a Chinese message."""
    problem = uscc_problem(normalize_code(value))
    if problem:
        raise ValidationError(problem, code="invalid_uscc")

"""Code checks behind our own small wrappers around python-stdnum.

python-stdnum's `cn.uscc.validate` insists that the first eight characters are digits,
which rejects real codes whose registering department is a letter (e.g. N for 农业,
Y for others). We keep its check-character calculation and do the format checks
ourselves, following GB 32100-2015.
"""

import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError as ValidationError_stdnum

# GB 32100-2015: the 31 characters a code may use (no I, O, S, V, Z).
USCC_ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")
USCC_LENGTH = 18

MSG_USCC_LENGTH = _("统一社会信用代码应为18位，当前为{length}位")
MSG_USCC_CHARS = _("统一社会信用代码含有不允许的字符“{chars}”（不使用I、O、S、V、Z）")
MSG_USCC_CHECK = _("统一社会信用代码校验位错误，应为“{expected}”")


def future_date_errors(instance, fields, today=None):
    """{field: message} for each of `fields` of `instance` dated after today."""
    today = today or timezone.localdate()
    errors = {}
    for name in fields:
        value = getattr(instance, name)
        if value and value > today:
            label = instance._meta.get_field(name).verbose_name
            errors[name] = _("{field}不能晚于今天").format(field=label)
    return errors


def human_size(size: int) -> str:
    """A byte limit as users read it: 20MB, 512KB."""
    if size >= 2**20:
        return f"{size / 2**20:.0f}MB"
    return f"{max(size / 2**10, 1):.0f}KB"


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


# The first bytes each accepted document type starts with: an upload whose content does
# not match its extension is refused (a renamed executable is not a scan).
_MAGIC = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "ofd": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
}


def validate_document_file(upload):
    """Type (by extension and content) and size of an archive document."""
    name = getattr(upload, "name", "") or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = settings.ARCHIVE_DOCUMENT_EXTENSIONS
    if ext not in allowed:
        raise ValidationError(
            _("不支持的文件类型“{ext}”，允许：{allowed}").format(
                ext=ext or "无扩展名", allowed="、".join(allowed)
            ),
            code="file_type",
        )
    limit = settings.ARCHIVE_DOCUMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(_("文件超过{size}").format(size=human_size(limit)), code="file_size")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in _MAGIC.get(ext, (b"",))):
        raise ValidationError(_("文件内容与扩展名“{ext}”不符").format(ext=ext), code="file_content")


# 身份证号 (GB 11643-1999). python-stdnum's `cn.ric.validate` also insists that the area
# code was assigned in the birth year, which refuses real numbers issued under codes that
# changed later, and its look-up can raise KeyError. We keep its check digit and birth
# date parsing and leave the area code alone.
MSG_RIC_LENGTH = _("身份证号应为18位，当前为{length}位")
MSG_RIC_FORMAT = _("身份证号前17位应为数字，最后一位为数字或X")
MSG_RIC_CHECK = _("身份证号校验位错误，应为“{expected}”")
MSG_RIC_BIRTH = _("身份证号中的出生日期无效")


def id_number_problem(value: str) -> str | None:
    """Why `value` (normalized) is not a valid 18-digit ID number, or None."""
    if len(value) != 18:
        return str(MSG_RIC_LENGTH).format(length=len(value))
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return str(MSG_RIC_FORMAT)
    expected = stdnum_ric.calc_check_digit(value)
    if value[17] != expected:
        return str(MSG_RIC_CHECK).format(expected=expected)
    birth = id_number_birth_date(value)
    if birth is None or birth.year < 1900 or birth > timezone.localdate():
        return str(MSG_RIC_BIRTH)
    return None


def id_number_birth_date(value: str):
    try:
        return stdnum_ric.get_birth_date(value)
    except ValidationError_stdnum:
        return None


def id_number_is_male(value: str) -> bool:
    """GB 11643: the 17th digit is odd for men."""
    return int(value[16]) % 2 == 1


def mask_id_number(value: str) -> str:
    """320102********1234: the area code and the last four digits, as shown by default."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]

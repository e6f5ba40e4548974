"""Writes to the archive. The admin and the importer go through here or the import service."""

from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import OrgDocument, OrgYearRecord, SocialOrg
from orgs.scopes import Scope, scope_contains_org


def org_save(*, org: SocialOrg, user, touch: bool = True) -> SocialOrg:
    """Validate and save an org; the saved org must stay inside the user's scope."""
    with transaction.atomic():
        if touch or org.pk is None:
            org.archive_updated_at = timezone.now()
        org.full_clean()
        org._history_user = user
        org.save()
        if not scope_contains_org(Scope.for_user(user), org):
            raise PermissionDenied(_("保存后该社会组织将不在您的管理范围内"))
    return org


def org_touch_archive(*, org: SocialOrg) -> None:
    """A year record or document of the org changed: the archive counts as updated."""
    now = timezone.now()
    SocialOrg.objects.filter(pk=org.pk).update(archive_updated_at=now)
    org.archive_updated_at = now


def year_record_save(*, record: OrgYearRecord, user, touch: bool = True) -> OrgYearRecord:
    """Validate and save a year record; a change counts as an update of the archive."""
    with transaction.atomic():
        record.full_clean()
        record._history_user = user
        record.save()
        if touch:
            org_touch_archive(org=record.org)
    return record


def document_prepare(*, document: OrgDocument, user, upload=None) -> OrgDocument:
    """Record who uploaded what before an archive document is saved."""
    if upload is not None:
        document.original_name = upload.name[:255]
        document.size = upload.size
        document.uploaded_by = user
    return document


def document_files_discard(*, names) -> None:
    """Delete stored files of removed or replaced documents once the change commits.

    Scans hold personal data: they must not outlive their record on disk or in backups.
    """
    names = [name for name in names if name]
    if not names:
        return

    def delete():
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(delete)

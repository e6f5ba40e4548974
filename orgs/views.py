from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse
from django.shortcuts import get_object_or_404

from orgs.models import OrgDocument
from orgs.scopes import Scope


@login_required
@permission_required("orgs.view_orgdocument", raise_exception=True)
def document_download(request, pk):
    """An archive document, only for users whose scope holds its org (else 404)."""
    document = get_object_or_404(OrgDocument.objects.for_scope(Scope.for_user(request.user)), pk=pk)
    name = document.original_name or document.file.name.rsplit("/", 1)[-1]
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=name)

"""The one way rows reach a user: `Model.objects.for_scope(scope)`.

Each scoped model names the relation path from itself to the social organization in
`scope_path` ("" for SocialOrg itself, "org__" for a year record, ...); the scope's `Q`
is built with that prefix. Code that returns rows to a user without it is a bug.
"""

from django.db import models


class ScopedQuerySet(models.QuerySet):
    def for_scope(self, scope):
        return self.filter(scope.org_q(prefix=self.model.scope_path))

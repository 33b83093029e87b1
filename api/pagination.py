"""Page numbers that stay cheap deep into a long list.

``?page=500`` with a plain OFFSET reads and throws away 25,000 whole rows. The
ids of a page come first here, from the list's index alone (``content_owner_page_idx``
for the content list), then only that page's rows are read, in the same order.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination


class IdsFirstPaginator(Paginator):
    """A ``Paginator`` whose deep page of a queryset is read as its ids, then their rows.

    A page that starts within ``deep_after`` rows is read at once: skipping a few
    hundred rows costs less than the extra query.
    """

    deep_after = 500

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if bottom < self.deep_after or not isinstance(self.object_list, QuerySet):
            return super().page(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.filter(pk__in=ids)}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


class IdsFirstPagination(PageNumberPagination):
    django_paginator_class = IdsFirstPaginator

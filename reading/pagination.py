"""A paginator that is told its count, so pages backed by kept counts run no COUNT(*)."""

from django.core.paginator import Paginator


class CountedPaginator(Paginator):
    """A paginator given its count instead of running COUNT(*); `capped` marks a lower bound."""

    def __init__(
        self,
        object_list,
        per_page,
        orphans=0,
        allow_empty_first_page=True,
        *,
        count: int,
        capped: bool = False,
    ):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.__dict__["count"] = count  # fills the cached_property
        self.capped = capped

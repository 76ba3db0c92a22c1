from __future__ import annotations

import pytest

from mock_server.core.errors import ApiError
from mock_server.core.pagination import PageRequest, paginate


def rels(page):
    return [link["rel"] for link in page["links"]]


def test_first_page_has_self_first_next_last_and_metadata():
    page = paginate(list(range(40)), PageRequest(0, 15), "/x", {"status": "READY"})
    assert page["content"] == list(range(15))
    assert page["page"] == {"size": 15, "total_elements": 40, "total_pages": 3, "number": 0}
    assert rels(page) == ["self", "first", "next", "last"]
    assert page["links"][2]["href"] == "/x?status=READY&page=1&size=15"


def test_middle_page_has_prev_and_next_and_last_page_has_no_next():
    assert rels(paginate(list(range(40)), PageRequest(1, 15), "/x")) == ["self", "first", "prev", "next", "last"]
    last = paginate(list(range(40)), PageRequest(2, 15), "/x")
    assert rels(last) == ["self", "first", "prev", "last"] and last["content"] == list(range(30, 40))


def test_empty_list_is_one_empty_page_without_next_or_prev():
    page = paginate([], PageRequest(), "/x")
    assert page["content"] == [] and page["page"]["total_pages"] == 0
    assert rels(page) == ["self", "first", "last"]


def test_defaults_are_page_0_and_size_15():
    assert PageRequest.from_query({}) == PageRequest(0, 15)
    assert PageRequest.from_query({"page": "2", "size": "100"}) == PageRequest(2, 100)


@pytest.mark.parametrize(
    "query", [{"page": "-1"}, {"page": "2147483648"}, {"size": "0"}, {"size": "101"}, {"page": "x"}, {"size": "1.5"}]
)
def test_bad_page_parameters_are_a_400(query):
    with pytest.raises(ApiError) as caught:
        PageRequest.from_query(query)
    assert caught.value.status == 400 and caught.value.errors


def test_a_viewed_list_views_only_the_page_it_serves():
    from mock_server.core.pagination import Viewed

    seen: list[int] = []

    def view(record: int) -> dict:
        seen.append(record)
        return {"n": record}

    page = paginate(Viewed(list(range(1000)), view), PageRequest(number=2, size=15), "/x")
    assert page["content"] == [{"n": n} for n in range(30, 45)] and page["page"]["total_elements"] == 1000
    assert seen == list(range(30, 45))

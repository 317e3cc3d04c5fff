"""The service items the gateway ships (a copy of the catalogue's table) and the masking of channel answers."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ybj_gateway.items import AVAILABLE, SERVED
from ybj_gateway.items.masking import mask_certno, mask_tail
from ybj_gateway.service_items import ITEMS, parse_items

CATALOGUE = Path(__file__).resolve().parents[3] / "shared" / "catalogue" / "service_items.yaml"


def test_the_shipped_items_are_the_catalogues() -> None:
    if not CATALOGUE.exists():
        pytest.fail(f"the catalogue is missing at {CATALOGUE}: ../shared must sit beside the repository")
    assert parse_items(yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))) == dict(ITEMS)
    assert len(ITEMS) == 114
    assert (ITEMS[68].name_zh, ITEMS[114].name_zh) == ("参保险种", "受理类服务进度查询")


def test_the_items_served_are_items_of_the_table_each_with_its_example() -> None:
    assert set(ITEMS) >= AVAILABLE
    assert {54, 55, 68, 108, 113, 114} <= AVAILABLE
    personal = [no for no in AVAILABLE if "${person." in str(SERVED[no].example)]
    assert {68, 108} <= set(personal)


@pytest.mark.parametrize(
    "broken",
    [
        {"service_items": [{"no": 2, "group_zh": "g", "name_zh": "n", "slug": "s", "kind": "query", "service": "q"}]},
        {"service_items": [{"no": 1, "group_zh": "g", "name_zh": "n", "slug": "s", "kind": "other", "service": "q"}]},
        {"items": []},
    ],
)
def test_a_broken_table_is_refused(broken: object) -> None:
    with pytest.raises(ValueError, match=r"service_items\.yaml"):
        parse_items(broken)


def test_sensitive_values_are_masked_as_the_issue_says() -> None:
    assert mask_certno("11010519491231002X") == "110105********002X"
    assert mask_tail("13800001234") == "*******1234"
    assert mask_tail("6222020200112233445") == "***************3445"
    assert mask_certno("12345") == "*****"


def test_every_item_is_served_and_every_item_without_a_guide_says_how_it_is_backed() -> None:
    assert sorted(SERVED) == sorted(ITEMS)
    unguided = [no for no, item in ITEMS.items() if not item.process_ids]
    assert len(unguided) == 39
    assert [no for no in unguided if not SERVED[no].assumption_zh] == []

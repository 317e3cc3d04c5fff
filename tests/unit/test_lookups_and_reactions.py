"""Facts a stage looks up are recorded with the step (the user cannot put them there), and a reaction to another
service's event changes this service's registries once, however often the event is delivered."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Any, ClassVar
from uuid import UUID

import pytest
from pydantic import BaseModel, Field

from tests.unit.gwt import staff
from ybj_kernel.application import REACTOR_USER, CaseApplication, opened_case_id
from ybj_kernel.domain.definition_checks import DefinitionError
from ybj_kernel.domain.engine import Command
from ybj_kernel.domain.process import Lookup, ProcessDefinition, Stage
from ybj_kernel.domain.reactions import Look, Opening, Reaction
from ybj_kernel.domain.registry import Effect, Op, Registry
from ybj_kernel.errors import Conflict, InvalidInput


class Price(BaseModel):
    """A price list entry."""

    price_fen: int = Field(ge=0)


def _set(state: dict[str, Any], args: dict[str, Any]) -> None:
    state["price_fen"] = args["price_fen"]


PRICES = Registry("price", "价格", {"set": Op("定价", "PriceSet", Price, _set)}, frozenset({"set"}))


class Order(BaseModel):
    """An order of one item."""

    item: str = Field(min_length=1)
    qty: int = Field(ge=1)


def _must_be_priced(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    if step["price"] is None:
        raise Conflict("NOT_PRICED", "该项目未定价", "the item has no price", "item")


def _total(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    return {"total_fen": step["price"]["price_fen"] * step["qty"]}


ORDER = ProcessDefinition(
    id="P998",
    slug="toy_order",
    name_zh="测试订单",
    service="toy",
    stages=(
        Stage("register", "登记", ("registrar",), "Registered"),
        Stage(
            "price_order",
            "计价",
            ("registrar",),
            "OrderPriced",
            input=Order,
            lookups=(Lookup("price", "price", lambda d: d.get("item")),),
            checks=(_must_be_priced,),
            derive=_total,
        ),
    ),
)


def _on_price_published(envelope: Mapping[str, Any], _look: Look) -> list[Effect]:
    return [Effect("price", str(envelope["subject"]), "set", {"price_fen": envelope["data"]["price_fen"]})]


class ToyApp(CaseApplication):
    """A service with one registry, one process that reads it, and one reaction that writes it."""

    service = "toy"
    registries = MappingProxyType({"price": PRICES})
    reactions: ClassVar[tuple[Reaction, ...]] = (
        Reaction("prices", "pricing", "cn.ybj.pricing.price.", _on_price_published),
    )


def _app() -> ToyApp:
    counter = itertools.count(1)
    return ToyApp(
        {"P998": ORDER},
        lambda code, admdvs, day: f"{code}{admdvs}{day:%Y%m%d}{next(counter):08d}",
        env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
        today=lambda: date(2026, 12, 5),
    )


def _published(item: str, price_fen: int, event_id: str) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "cn.ybj.pricing.price.PricePublished.v1",
        "subject": item,
        "data": {"price_fen": price_fen},
    }


def _priced(app: ToyApp, data: dict[str, Any]) -> dict[str, Any]:
    reg = staff("reg-1", "registrar")
    case = app.create_case("P998", {}, reg)
    app.act(UUID(case.case_id), reg, Command("price_order", case.version, None, data))
    return app.get_case(UUID(case.case_id)).data


def test_the_fact_looked_up_is_recorded_with_the_step_and_read_by_its_derive() -> None:
    app = _app()
    app.react(_published("tea", 350, "e-1"))
    data = _priced(app, {"item": "tea", "qty": 3})
    assert data["price"] == {"price_fen": 350}
    assert data["total_fen"] == 1050


def test_a_user_cannot_supply_the_fact_and_a_missing_one_is_none_for_the_check() -> None:
    app = _app()
    with pytest.raises(Conflict) as refused:
        _priced(app, {"item": "tea", "qty": 1, "price": {"price_fen": 1}})
    assert (refused.value.code, refused.value.field) == ("NOT_PRICED", "item")


def test_the_case_keeps_the_fact_as_it_was_when_read() -> None:
    app = _app()
    app.react(_published("tea", 350, "e-1"))
    data = _priced(app, {"item": "tea", "qty": 1})
    app.react(_published("tea", 400, "e-2"))
    assert data["price"] == {"price_fen": 350}
    assert _priced(app, {"item": "tea", "qty": 1})["price"] == {"price_fen": 400}


def test_a_reaction_records_its_cause_and_a_redelivery_changes_nothing() -> None:
    app = _app()
    assert app.react(_published("tea", 350, "e-1")) == 1
    assert app.react(_published("tea", 350, "e-1")) == 0
    assert app.react({"id": "e-9", "type": "cn.ybj.other.thing.Happened.v1", "subject": "tea"}) == 0
    entry = app.get_entry("price", "tea")
    assert entry.version == 1
    assert entry.changed_by() == ["e-1"]


def test_a_lookup_field_that_is_also_an_input_field_is_refused_at_load() -> None:
    with pytest.raises(DefinitionError, match="looked up by the platform"):
        ProcessDefinition(
            id="P997",
            slug="bad",
            name_zh="坏",
            service="toy",
            stages=(
                Stage("s", "s", ("registrar",), "Done", input=Order, lookups=(Lookup("qty", "price", lambda d: None),)),
            ),
        )


def test_a_step_missing_what_its_lookup_needs_is_refused_by_validation_naming_the_field() -> None:
    strict = ProcessDefinition(
        id="P995",
        slug="strict",
        name_zh="严格",
        service="toy",
        stages=(
            Stage("register", "登记", ("registrar",), "Registered"),
            Stage(
                "price_order",
                "计价",
                ("registrar",),
                "OrderPriced",
                input=Order,
                lookups=(Lookup("price", "price", lambda d: str(d["item"])),),  # KeyError without an item
            ),
        ),
    )
    app = ToyApp(
        {"P995": strict},
        lambda code, admdvs, day: f"{code}{admdvs}{day:%Y%m%d}00000001",
        env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
        today=lambda: date(2026, 12, 5),
    )
    reg = staff("reg-1", "registrar")
    case = app.create_case("P995", {}, reg)
    with pytest.raises(InvalidInput) as refused:
        app.act(UUID(case.case_id), reg, Command("price_order", case.version, None, {"qty": 1}))
    assert refused.value.field == "item"


class Wanted(BaseModel):
    """An item someone asked for."""

    item: str = Field(min_length=1)


RESTOCK = ProcessDefinition(
    id="P997",
    slug="toy_restock",
    name_zh="测试补货",
    service="toy",
    stages=(
        Stage("register", "登记", ("system", "registrar"), "Registered", input=Wanted),
        Stage("approve", "审核", ("first_reviewer",), "Approved", review=True),
    ),
)


def _on_sold_out(envelope: Mapping[str, Any], _look: Look) -> list[Effect | Opening]:
    item = envelope["data"].get("item")
    return [Opening("P997", f"restock:{envelope['subject']}", "520102", {"item": item} if item else {})]


class RestockingApp(ToyApp):
    """The toy service, which also opens a restocking case when an item sells out."""

    reactions: ClassVar[tuple[Reaction, ...]] = (
        *ToyApp.reactions,
        Reaction("restock", "shop", "cn.ybj.shop.stock.SoldOut.", _on_sold_out),
    )


def test_a_reaction_opens_a_case_once_as_the_system_and_a_refused_opening_keeps_the_rest() -> None:
    app = RestockingApp(
        {"P998": ORDER, "P997": RESTOCK},
        lambda code, admdvs, day: f"{code}{admdvs}{day:%Y%m%d}00000001",
        env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
        today=lambda: date(2026, 12, 5),
    )
    sold_out = {"id": "e-5", "type": "cn.ybj.shop.stock.SoldOut.v1", "subject": "tea", "data": {"item": "tea"}}
    again = {**sold_out, "id": "e-6"}  # another event about the same fact: the same key, no second case
    broken = {"id": "e-7", "type": "cn.ybj.shop.stock.SoldOut.v1", "subject": "cup", "data": {}}
    outcomes = app.react_many([sold_out, again, _published("tea", 350, "e-1"), broken])
    assert outcomes[:3] == [1, 0, 1]
    assert isinstance(outcomes[3], InvalidInput)
    assert outcomes[3].field == "item"
    assert app.get_entry("price", "tea").state == {"price_fen": 350}  # saved with the case, the refusal left out
    case_id = opened_case_id("toy", "restock:tea", "520102")
    case = app.get_case(case_id)
    assert (case.process_id, case.stage, case.data["item"]) == ("P997", "approve", "tea")
    opened: Any = next(iter(app.events.get(case_id)))
    assert (opened.actor["user_id"], opened.actor["role"], opened.causation_id) == (REACTOR_USER, "system", "e-5")
    assert app.react_many([sold_out]) == [0]

"""What a front end offers on a case (`choices_of`, GET /api/v1/cases/{id}/allowed-actions): the engine's own table
and checks, so the console shows exactly the actions a command would be accepted for."""

from __future__ import annotations

from uuid import UUID

from tests.unit.gwt import application
from tests.unit.test_kernel_growth import App
from ybj_kernel.domain.actions import Allowed
from ybj_kernel.domain.engine import Actor, choices_of


def _names(actions: list[Allowed]) -> set[str]:
    return {a.name for a in actions}


def test_the_registrar_reviewing_their_own_case_is_barred_and_another_reviewer_is_offered_the_review() -> None:
    app = application(App)
    ack = app.create_case("P998", {"psn_no": "P9"}, Actor("u-1", ("registrar",), "520000"), materials=("登记表",))
    case = app.get_case(UUID(ack.case_id))
    p = app.definition("P998")
    same_person = Actor("u-1", ("first_reviewer",), "520000")
    allowed, barred = choices_of(p, case, same_person)
    assert {"approve", "reject"} <= _names(barred)
    assert not {"approve", "reject"} & _names(allowed)
    allowed, barred = choices_of(p, case, Actor("u-2", ("first_reviewer",), "520000"))
    assert {"approve", "reject"} <= _names(allowed)
    assert barred == []
    # Someone of another 医保区划 is offered nothing.
    assert choices_of(p, case, Actor("u-3", ("first_reviewer",), "530000")) == ([], [])

"""The sandbox's synthetic people and institutions (ybj_gateway/sandbox.py), and the guard that keeps a sandbox gateway
to them: well-formed, consistent with their 身份证号, the same in every run, clearly fake; a person outside the roster
is refused exactly as someone unknown is."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from ybj_gateway import sandbox
from ybj_gateway.items.call import ItemCall
from ybj_gateway.items.insured import insured_types, matched_person
from ybj_kernel.domain.identity import birth_date_of, certno_problem, gender_of, uscc_problem
from ybj_kernel.errors import NotFound
from ybj_treatment.registries.institutions import fixmedins_code_problem

# A well-formed 身份证号 of a real 贵阳 district (P002's example employee): real-looking, not in the roster.
REAL_LOOKING = {"psn_cert_type": "01", "certno": "520102199003070022", "psn_name": "陈静"}
PERSON = sandbox.BY_ROLE["person"]


class Reads:
    """The query service's person read, holding the sandbox person and one real-looking person."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.people = {
            PERSON.certno: PERSON.psn_name,
            REAL_LOOKING["certno"]: REAL_LOOKING["psn_name"],
        }

    def person_by_certno(self, certno: str, app_id: str, admdvs: str) -> dict[str, Any] | None:
        self.asked.append(certno)
        if certno not in self.people:
            return None
        state = {"psn_name": self.people[certno], "certno": certno, "psn_cert_type": "01"}
        relation = {"insutype": "310", "status": "active", "begndate": "2020-07-01"}
        return {"key": "52000000000009", "state": state, "enrollments": [relation]}


def _call(business: dict[str, Any], reads: Reads) -> ItemCall:
    return ItemCall("ch_sandbox", {"admdvs": "520100"}, business, reads)  # type: ignore[arg-type]


@pytest.fixture
def sandbox_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A gateway started with YBJ_GATEWAY_SANDBOX_ONLY=true (the setting is read once per process)."""
    monkeypatch.setenv("YBJ_GATEWAY_SANDBOX_ONLY", "true")
    sandbox.sandbox_only.cache_clear()
    yield
    sandbox.sandbox_only.cache_clear()


@pytest.fixture
def serving_everyone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A gateway with the default setting."""
    monkeypatch.delenv("YBJ_GATEWAY_SANDBOX_ONLY", raising=False)
    sandbox.sandbox_only.cache_clear()
    yield
    sandbox.sandbox_only.cache_clear()


def test_every_roster_certno_is_a_valid_one_whose_sex_and_birth_date_are_the_persons() -> None:
    assert len(sandbox.ROSTER) == 53
    for person in sandbox.ROSTER:
        assert certno_problem(person.certno, today=date.today()) is None, person
        assert person.certno.startswith(sandbox.AREA)  # a county 贵阳 does not have: no real person's number
        assert (gender_of(person.certno), birth_date_of(person.certno)) == (person.gend, person.brdy)
    assert len(sandbox.CERTNOS) == len(sandbox.ROSTER)
    assert {p.gend for p in sandbox.ROSTER} == {"1", "2"}


def test_the_roster_is_the_same_in_every_run() -> None:
    assert sandbox._roster() == sandbox.ROSTER
    # Pinned: docs, the make run banner and channels' own tests quote the sandbox person.
    assert (PERSON.certno, PERSON.psn_name) == ("52019919960514012X", "测试一")


def test_the_names_are_clearly_fake_and_the_contacts_in_the_sandbox_blocks() -> None:
    names = [p.psn_name for p in sandbox.ROSTER]
    assert all(name.startswith("测试") for name in names)
    assert len(set(names)) == len(names)
    assert names[:3] == ["测试一", "测试二", "测试三"]
    assert all(p.tel.startswith(sandbox.PHONE_BLOCK) and len(p.tel) == 11 for p in sandbox.ROSTER)
    assert all(p.bank_acct.startswith(sandbox.BANK_BLOCK) and len(p.bank_acct) == 19 for p in sandbox.ROSTER)
    assert sandbox.chinese_number(10) == "十"
    assert sandbox.chinese_number(37) == "三十七"


def test_the_named_roles_are_who_the_end_to_end_examples_need() -> None:
    relative, newcomer = sandbox.BY_ROLE["relative"], sandbox.BY_ROLE["newcomer"]
    assert (PERSON.gend, PERSON.insured) == ("2", "employee")
    assert 29 <= 2026 - PERSON.brdy.year <= 31
    assert (relative.gend, relative.insured) == ("1", "resident")
    assert newcomer.insured == "none"
    # One person for each item that changes someone, numbered after the extras (adding one renumbers nobody).
    assert [p.role for p in sandbox.ROSTER[40:]] == [role for role, *_ in sandbox.NAMED_LATER]
    assert sandbox.BY_ROLE["extra-04"].psn_name == "测试七"
    assert {sandbox.BY_ROLE[r].insured for r in ("worker", "retiree", "leaver", "mover")} == {"employee"}
    assert {sandbox.BY_ROLE[r].insured for r in ("newcomer2", "newcomer3")} == {"none"}
    extras = [p for p in sandbox.ROSTER if p.role.startswith("extra-")]
    assert {p.insured for p in extras} == {"employee", "resident", "none"}
    for p in extras:  # employees are of working age (in 2026)
        assert p.insured != "employee" or 18 <= 2026 - p.brdy.year <= 59


def test_the_institutions_codes_are_valid_and_marked_as_the_sandboxs() -> None:
    assert [i.fixmedins_code for i in sandbox.INSTITUTIONS] == ["H52010299001", "P52010299001", "H52010299002"]
    for institution in sandbox.INSTITUTIONS:
        assert fixmedins_code_problem(institution.fixmedins_code) is None
        assert institution.fixmedins_code[7:9] == "99"
        assert "沙箱" in institution.fixmedins_name
        assert "虚构" in institution.fixmedins_name
        assert uscc_problem(institution.uscc) is None
    for unit in sandbox.EMPLOYERS.values():
        assert unit.uscc is not None
        assert uscc_problem(unit.uscc) is None
        assert "沙箱" in unit.emp_name


@pytest.mark.usefixtures("sandbox_only")
def test_a_sandbox_gateway_refuses_a_real_looking_person_outside_the_roster_without_asking_the_platform() -> None:
    reads = Reads()
    with pytest.raises(NotFound) as refused:
        matched_person(_call(REAL_LOOKING, reads))
    assert (refused.value.code, refused.value.field) == ("PERSON_NOT_MATCHED", "certno")
    assert reads.asked == []  # not even read: the platform's access log shows no look-up of them

    unknown_in_roster_format = {"psn_cert_type": "01", "certno": "110105194912310029", "psn_name": "某人"}
    with pytest.raises(NotFound) as unknown:
        matched_person(_call(unknown_in_roster_format, reads))
    assert (unknown.value.code, unknown.value.message_zh) == (refused.value.code, refused.value.message_zh)


@pytest.mark.usefixtures("sandbox_only")
def test_a_sandbox_gateway_serves_the_sandbox_person_as_before() -> None:
    reads = Reads()
    answer = insured_types(_call({"certno": PERSON.certno.lower(), "psn_name": PERSON.psn_name}, reads))
    assert answer["psn_name"] == "测试一"
    assert answer["certno"] == "520199********012X"
    assert reads.asked == [PERSON.certno]
    with pytest.raises(NotFound, match="PERSON_NOT_MATCHED"):  # the name must still agree
        matched_person(_call({"certno": PERSON.certno, "psn_name": "测试二"}, reads))


@pytest.mark.usefixtures("serving_everyone")
def test_by_default_the_gateway_serves_whoever_the_registry_holds() -> None:
    found, named = matched_person(_call(REAL_LOOKING, Reads()))
    assert (found["state"]["psn_name"], named["certno"]) == ("陈静", REAL_LOOKING["certno"])


def test_placeholders_of_an_example_are_filled_from_the_facts() -> None:
    values = {"person.certno": PERSON.certno, "person.psn_name": "测试一", "answer:1.count": 3}
    example = {"certno": "${person.certno}", "note": "为${person.psn_name}办理", "n": "${answer:1.count}", "k": [1]}
    assert sandbox.fill(example, values) == {
        "certno": PERSON.certno,
        "note": "为测试一办理",
        "n": 3,
        "k": [1],
    }
    with pytest.raises(KeyError, match=r"relative\.certno"):
        sandbox.fill({"certno": "${relative.certno}"}, values)

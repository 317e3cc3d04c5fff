"""Items 92-98 and 111-112 (个人账户共济, 代缴) as a channel meets them: the application items open S097/S096/S111 for
the 授权人 the request names (and only if the three identifiers agree), and the queries answer from the person's own
`mutual_aid` entry with every 证件号码 masked; the platform is faked (call.reads, call.commands)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from ybj_gateway.items import SERVED
from ybj_gateway.items.call import ItemCall
from ybj_kernel.errors import NotFound, YbjError

HOLDER_CERTNO, USER_CERTNO, PARENT_CERTNO = "52019919960514012X", "520199199409030257", "520199197211110746"
HOLDER_PSN, USER_PSN, PARENT_PSN = "52000000000001", "52000000000002", "52000000000003"
ME = {"psn_cert_type": "01", "certno": HOLDER_CERTNO.lower(), "psn_name": "测试一"}


def _binding(psn_no: str, certno: str, name: str, rlts: str, status: str = "bound", **more: Any) -> dict[str, Any]:
    names = {"1": "配偶", "2": "父母", "3": "子女"}
    return {
        "psn_no": psn_no,
        "certno": certno,
        "psn_name": name,
        "rlts": rlts,
        "rlts_name": names[rlts],
        "begndate": "2026-12-01",
        "enddate": None,
        "status": status,
        **more,
    }


# 测试一 shares her account with her husband 测试二 (in effect) and once did with her mother 测试七 (ended); her mother
# shares hers with 测试一 (so 测试一 is also a 使用人), with 先共济 as 测试一's order; one 代缴 a year for 测试二.
ENTRIES: dict[str, dict[str, Any]] = {
    HOLDER_PSN: {
        "psn_no": HOLDER_PSN,
        "users": [
            _binding(PARENT_PSN, PARENT_CERTNO, "测试七", "2", "ended", enddate="2026-12-03"),
            _binding(USER_PSN, USER_CERTNO, "测试二", "1"),
        ],
        "authorizers": [_binding(PARENT_PSN, PARENT_CERTNO, "测试七", "3")],
        "pay_order_type": "2",
        "pay_order_name": "先共济账户，后本人个人账户",
        "pay_order": [PARENT_PSN, HOLDER_PSN],
        "proxy_payments": [
            {"user_psn_no": USER_PSN, "user_certno": USER_CERTNO, "user_name": "测试二", "insutype": "390"}
            | {"clct_year": 2026, "amount": 38000, "paid_on": "2026-01-10"},
            {"user_psn_no": USER_PSN, "user_certno": USER_CERTNO, "user_name": "测试二", "insutype": "390"}
            | {"clct_year": 2027, "amount": 40000, "paid_on": "2026-12-05"},
        ],
    },
    USER_PSN: {"psn_no": USER_PSN, "pay_order_type": "1", "pay_order_name": "先本人个人账户，后共济账户"},
}


class Reads:
    """The query service as the items see it: the person by 证件号码 and the `mutual_aid` entries."""

    def __init__(self, entries: Mapping[str, dict[str, Any]] = ENTRIES, insutype: str = "310") -> None:
        self.entries, self.insutype = entries, insutype
        self.paths: list[str] = []

    def person_by_certno(self, certno: str, app_id: str, admdvs: str) -> dict[str, Any] | None:
        if certno != HOLDER_CERTNO:
            return None
        relation = {"insutype": self.insutype, "status": "active", "begndate": "2020-01-01"}
        state = {"psn_name": "测试一", "certno": certno, "psn_cert_type": "01"}
        return {"key": HOLDER_PSN, "state": state, "enrollments": [relation]}

    def get(self, path: str, params: Mapping[str, str] | None, app_id: str, admdvs: str) -> dict[str, Any]:
        self.paths.append(path)
        psn_no = path.rsplit("/", 1)[1]
        if not path.startswith("/api/v1/registries/mutual_aid/") or psn_no not in self.entries:
            raise NotFound("ENTRY_NOT_FOUND", "不存在", "no such entry", "key")
        return {"registry": "mutual_aid", "key": psn_no, "state": self.entries[psn_no]}

    def progress(self, acceptance_no: str) -> dict[str, Any]:
        raise AssertionError("not used")

    def annual_statement(self, psn_no: str, year: int, app_id: str, admdvs: str) -> dict[str, Any]:
        raise AssertionError("not used")

    def institutions(self, fixmedins_type: str, admdvs: str | None, app_id: str, channel_admdvs: str) -> dict[str, Any]:
        raise AssertionError("not used")


class Commands:
    """The entry point's commands: records each case opened and answers as the kernel would after `advance`."""

    def __init__(self, stage: str = "review") -> None:
        self.opened: list[dict[str, Any]] = []
        self.stage = stage

    def open_case(
        self, process: str, variant: str | None, data: Mapping[str, Any], app_id: str, admdvs: str, idempotency_key: str
    ) -> dict[str, Any]:
        self.opened.append({"process": process, "variant": variant, "data": dict(data), "key": idempotency_key})
        ack = {"case_id": "c-1", "acceptance_no": "10520100202612050000001", "process_id": process}
        return {**ack, "stage": self.stage, "version": 2}

    def act(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        raise AssertionError("not used")


def call(no: int, business: Mapping[str, Any], reads: Reads | None = None, commands: Commands | None = None) -> Any:
    item = ItemCall(
        "ch_demo",
        {"admdvs": "520100"},
        dict(business),
        reads or Reads(),
        commands or Commands(),
        nonce="n-42",
    )
    return SERVED[no].handler(item)


def refusal(no: int, business: Mapping[str, Any], commands: Commands) -> YbjError:
    with pytest.raises(YbjError) as err:
        call(no, business, commands=commands)
    assert commands.opened == [], "a refused request gave a command"
    return err.value


# ---- application items ---------------------------------------------------------------------------------------------


def test_97_binds_a_relative_for_the_holder_named_and_answers_the_acceptance_number() -> None:
    commands = Commands()
    relative = {"user_certno": PARENT_CERTNO, "user_name": "测试七", "rlts": "2"}
    answer = call(97, {**ME, **relative}, commands=commands)
    assert answer == {
        "acceptance_no": "10520100202612050000001",
        "case_id": "c-1",
        "process_id": "S097",
        "stage": "review",
        "status": "待医保经办机构审核",
    }
    [opened] = commands.opened
    assert (opened["process"], opened["variant"], opened["key"]) == ("S097", "bind", "n-42")
    assert opened["data"]["certno"] == HOLDER_CERTNO  # in its canonical form
    assert (opened["data"]["user_certno"], opened["data"]["rlts"]) == (PARENT_CERTNO, "2")
    assert "action" not in opened["data"]


def test_97_unbinds_with_the_relatives_certificate_alone() -> None:
    commands = Commands(stage="completed")
    answer = call(97, {**ME, "action": "unbind", "user_certno": USER_CERTNO}, commands=commands)
    assert (answer["stage"], answer["status"]) == ("completed", "已办结")
    assert commands.opened[0]["variant"] == "unbind"


@pytest.mark.parametrize(
    ("business", "code", "field"),
    [
        (
            {**ME, "psn_name": "测试二", "user_certno": USER_CERTNO, "user_name": "测试二", "rlts": "1"},
            "PERSON_NOT_MATCHED",
            "certno",
        ),
        ({**ME, "user_certno": USER_CERTNO, "user_name": "测试二"}, "INVALID_FIELD", "rlts"),
        ({**ME, "user_certno": USER_CERTNO, "rlts": "1"}, "INVALID_FIELD", "user_name"),
        ({**ME, "action": "merge", "user_certno": USER_CERTNO}, "INVALID_FIELD", "action"),
        ({**ME, "user_name": "测试二", "rlts": "1"}, "MISSING_FIELD", "user_certno"),
    ],
)
def test_97_refuses_a_request_that_is_not_the_holders_own_or_lacks_what_binding_needs(
    business: dict[str, Any], code: str, field: str
) -> None:
    error = refusal(97, business, Commands())
    assert (error.code, error.field) == (code, field)


def test_96_and_111_open_their_processes_for_the_holder_named() -> None:
    commands = Commands()
    call(96, {**ME, "user_certno": USER_CERTNO, "pay_order_type": "2"}, commands=commands)
    call(111, {**ME, "user_certno": USER_CERTNO, "user_name": "测试二", "clct_year": 2027}, commands=commands)
    assert [(o["process"], o["variant"]) for o in commands.opened] == [("S096", None), ("S111", None)]
    assert (commands.opened[0]["data"]["pay_order_type"], commands.opened[1]["data"]["clct_year"]) == ("2", 2027)
    error = refusal(111, {**ME, "user_certno": USER_CERTNO, "user_name": "测试二", "clct_year": "明年"}, Commands())
    assert (error.code, error.field) == ("INVALID_FIELD", "clct_year")


# ---- query items ---------------------------------------------------------------------------------------------------


def test_92_answers_both_sides_of_the_persons_bindings_masked_or_one_side_when_asked() -> None:
    answer = call(92, ME)
    assert answer["certno"] == "520199********012X"
    assert [(b["psn_name"], b["certno"], b["status_name"]) for b in answer["as_authorizer"]] == [
        ("测试七", "520199********0746", "已解绑"),
        ("测试二", "520199********0257", "已绑定"),
    ]
    assert [(b["psn_name"], b["rlts_name"]) for b in answer["as_user"]] == [("测试七", "子女")]
    assert "as_user" not in call(92, {**ME, "role": "authorizer"})
    with pytest.raises(NotFound) as someone_else:
        call(92, {**ME, "psn_name": "测试二"})
    assert someone_else.value.code == "PERSON_NOT_MATCHED"


def test_95_counts_the_bindings_in_effect_and_lists_the_ended_ones_too() -> None:
    answer = call(95, ME)
    assert answer["bound_count"] == 1
    assert [b["status"] for b in answer["users"]] == ["ended", "bound"]
    assert all("psn_no" not in b for b in answer["users"])  # 人员编号 stay inside the platform


def test_98_answers_the_persons_own_order_and_each_bound_relatives() -> None:
    reads = Reads()
    answer = call(98, ME, reads=reads)
    mine = answer["as_user"]
    assert mine["pay_order_name"] == "先共济账户，后本人个人账户"
    assert [(a["seq"], a["acct_kind"], a.get("certno")) for a in mine["accounts"]] == [
        (1, "mutual_aid", "520199********0746"),
        (2, "own", None),
    ]
    assert [(u["psn_name"], u["pay_order_type"]) for u in answer["users"]] == [("测试二", "1")]
    assert reads.paths == [f"/api/v1/registries/mutual_aid/{p}" for p in (HOLDER_PSN, USER_PSN)]  # no ended relative


def test_112_lists_the_proxy_payments_newest_first_in_yuan_by_year_if_asked() -> None:
    answer = call(112, ME)
    assert [(r["clct_year"], r["pay_amt"], r["user_certno"]) for r in answer["records"]] == [
        (2027, "400.00", "520199********0257"),
        (2026, "380.00", "520199********0257"),
    ]
    assert answer["total_amt"] == "780.00"
    one_year = call(112, {**ME, "clct_year": 2026})
    assert ([r["clct_year"] for r in one_year["records"]], one_year["total_amt"]) == ([2026], "380.00")


def test_94_sums_up_and_says_which_actions_a_person_without_bindings_can_take() -> None:
    answer = call(94, ME, reads=Reads(entries={}))
    assert answer["summary"] == {"users_bound": 0, "authorizers_bound": 0, "pay_order_name": None, "proxy_payments": 0}
    actions = {a["name_zh"]: a for a in answer["actions"]}
    assert actions["账户共济登记（绑定）"]["available"]
    assert not actions["修改使用人个人账户支付顺序"]["available"]
    assert actions["修改使用人个人账户支付顺序"]["condition_zh"] == "须有生效的共济关系"
    resident = call(94, ME, reads=Reads(entries={}, insutype="390"))
    assert not {a["name_zh"]: a for a in resident["actions"]}["账户共济登记（绑定）"]["available"]


def test_every_item_declares_a_sandbox_example_and_what_was_assumed() -> None:
    for no in (92, 94, 95, 96, 97, 98, 111, 112):
        assert SERVED[no].example["certno"] == "${person.certno}"
        assert SERVED[no].assumption_zh

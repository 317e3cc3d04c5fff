"""Seeds demo cases through the public API, as staff of 贵阳 (520100) would create and move them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

from ybj_kernel.auth import ensure_dev_keys, issue_token
from ybj_kernel.domain.identity import certno_check_digit

ADMDVS = "520100"


def certno(first17: str) -> str:
    """A valid 居民身份证号 for demo people."""
    return first17 + certno_check_digit(first17)


def last_month() -> str:
    """YYYYMM of the month before this one (月结算 declares last month's costs)."""
    today = date.today()
    return f"{today.year - 1}12" if today.month == 1 else f"{today.year}{today.month - 1:02d}"


@dataclass
class Staff:
    """Signs tokens for demo staff with the local development key."""

    key_dir: Path
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)

    def token(self, user: str, role: str) -> str:
        """A bearer token for one demo user acting in one role."""
        if (user, role) not in self.tokens:
            private, public = self.key_dir / "jwt-private.pem", self.key_dir / "jwt-public.pem"
            ensure_dev_keys(private, public)
            self.tokens[(user, role)] = issue_token(private.read_bytes(), user, [role], ADMDVS)
        return self.tokens[(user, role)]


@dataclass
class Seeder:
    """Creates a case and walks it through a list of steps; a case seeded before is left as it is."""

    client: httpx.Client
    staff: Staff
    created: list[dict[str, Any]] = field(default_factory=list)

    def case(
        self,
        key: str,
        process: str,
        who: tuple[str, str],
        data: dict[str, Any],
        steps: list[tuple[tuple[str, str], str, dict[str, Any], str | None]],
        variant: str | None = None,
    ) -> dict[str, Any]:
        """Create (idempotently, by `key`) and apply the steps: ((user, role), action, data, comment)."""
        opening: dict[str, Any] = {"process": process, "data": data, **({"variant": variant} if variant else {})}
        ack = self.post("/api/v1/cases", opening, who, {"Idempotency-Key": f"demo-{key}"})
        if ack["version"] == 1:
            for actor, action, step_data, comment in steps:
                body = {"action": action, "expected_version": ack["version"], "data": step_data, "comment": comment}
                ack = self.post(f"/api/v1/cases/{ack['case_id']}/actions", body, actor, {})
        self.created.append(ack)
        return ack

    def walk_example(
        self, process: str, variant: str | None = None, stop_at: str | None = None, key: str | None = None
    ) -> dict[str, Any]:
        """A case of `process` on its stages' own examples (GET /api/v1/processes/{id}), up to `stop_at` or the end
        (`key`: its idempotency key, by default one per process and variant).

        Each stage is done by a user of its first role, another user each time a role comes back (gy-finance-01, then
        gy-finance-02), so no review meets its own earlier step.
        """
        described = self.client.get(f"/api/v1/processes/{process}").json()
        variant = variant or next((v["key"] for v in described.get("variants") or []), None)  # the first, as the engine
        path = [st for st in described["stages"] if not st.get("variants") or variant in st["variants"]]
        seen: dict[str, int] = {}

        def who(stage: dict[str, Any]) -> tuple[str, str]:
            role = str(stage["roles"][0])
            seen[role] = seen.get(role, 0) + 1
            return (f"gy-{role.replace('_', '-')}-{seen[role]:02d}", role)

        opener = who(path[0])
        steps: list[Step] = []
        for stage in path[1:]:
            if stage["key"] == stop_at:
                break
            action = "approve" if stage.get("review") else stage["key"]
            steps.append((who(stage), action, dict(stage.get("example") or {}), None))
        key = key or f"{process.lower()}-{variant or 'example'}"
        return self.case(key, process, opener, dict(path[0].get("example") or {}), steps, variant)

    def wait_until_insured(self, certno_: str, timeout: float = 30.0) -> None:
        """Wait until treatment's view of who is insured (fed by enrollment's events on Kafka) has this person."""
        auth = {"Authorization": f"Bearer {self.staff.token('demo-reader', 'oversight')}"}
        deadline = time.monotonic() + timeout
        while True:
            now = {"as_of": datetime.now(UTC).isoformat()}  # treatment's own store: the view is not republished
            response = self.client.get(f"/api/v1/registries/insured/{certno_}", params=now, headers=auth)
            if response.status_code == 200 and response.json()["state"].get("relations"):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"treatment never learnt that {certno_} is insured: {response.text[:300]}")
            time.sleep(0.2)

    def post(self, path: str, body: dict[str, Any], who: tuple[str, str], headers: dict[str, str]) -> dict[str, Any]:
        """POST as one demo user; anything but success stops the seeding, naming the step."""
        auth = {"Authorization": f"Bearer {self.staff.token(*who)}", **headers}
        response = self.client.post(path, json=body, headers=auth)
        if response.status_code >= 300:
            raise RuntimeError(f"demo step {path} failed: {response.status_code} {response.text}")
        result: dict[str, Any] = response.json()
        return result


Step = tuple[tuple[str, str], str, dict[str, Any], str | None]  # (user, role), action, data, comment
REG, REG2 = ("gy-reg-01", "registrar"), ("gy-reg-02", "registrar")
FIRST, SECOND = ("gy-fr-01", "first_reviewer"), ("gy-sr-01", "second_reviewer")
AUDITOR, FINANCE = ("gy-aud-01", "auditor"), ("gy-fin-01", "finance")
HOSPITAL, SYSTEM, PANEL = ("H52010000001", "institution"), ("ybj-system", "system"), ("gy-panel-01", "panel")


def seed(base_url: str, key_dir: Path) -> list[dict[str, Any]]:
    """Create the demo cases of all four domains; safe to run again."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        s = Seeder(client, Staff(key_dir))
        _enrollment(s)
        _treatment(s)
        _settlement(s)
        _supervision(s)
        return s.created


def _person(first17: str, name: str, gend: str) -> dict[str, Any]:
    born = f"{first17[6:10]}-{first17[10:12]}-{first17[12:14]}"
    return {
        "certno": certno(first17),
        "psn_name": name,
        "naty": "01",
        "gend": gend,
        "brdy": born,
        "begndate": f"{date.today().year}-01-01",
        "fst_insu_ym": f"{date.today().year}01",
        "psn_type": "11",
        "clct_grade": "1",
        "clct_way": "1",
        "max_acct_prd": f"{date.today().year}12",
    }


def _enrollment(s: Seeder) -> None:
    unit = {"emp_no": "52011500001", "emp_name": "观山湖区金华园社区", "admdvs": "520115"}
    s.case("p019-1", "P019", REG, unit, [(REG, "register", _person("52011519850312002", "王芳", "2"), None)])
    s.case("p019-2", "P019", REG, unit, [])
    s.case(
        "p019-3",
        "P019",
        REG,
        unit,
        [
            (REG, "register", _person("52011520010101003", "李强", "1"), None),
            (REG, "cancel", {}, "参保人申请撤消：已在外省参保"),
        ],
    )
    # The example unit and its employee, the cases that change them, and some left waiting in the work queues.
    for process, variant, stop_at in ENROLLMENT_WALKS:
        s.walk_example(process, variant, stop_at)


# (process, variant, stage the case is left waiting at; None: done) on the processes' own examples, in this order.
ENROLLMENT_WALKS: list[tuple[str, str | None, str | None]] = [
    ("P001", None, None),  # 单位参保登记: 贵阳云岩数智科技有限公司
    ("P002", None, None),  # 城镇职工参保登记: 陈静 under it
    ("P003", None, None),  # 灵活就业人员参保登记: 刘洋
    ("P007", None, None),  # 单位征缴基数申报
    ("P012", "import", None),  # 个人账户注入
    ("P006", "position", None),  # 职务变更
    ("P010", None, "leader_approval"),  # 单位缓交认定, waiting for the leaders
    ("P016", None, "issue_contact_letter"),  # 个人账户转移, waiting for the 转入地's 联系函
    ("P017", None, "second_review"),  # 个人账户一次性清退, waiting for the second review
]


def _treatment(s: Seeder) -> None:
    # Treatment decides on who is insured as enrollment's events told it: wait until its view has the demo persons.
    for certno_ in INSURED_DEMO_PERSONS:
        s.wait_until_insured(certno_)
    for process, variant, stop_at in TREATMENT_WALKS:
        s.walk_example(process, variant, stop_at)


# The persons the treatment examples name, enrolled above: 王芳 (p019-1), 陈静 (P002), 刘洋 (P003).
INSURED_DEMO_PERSONS = ("52011519850312002X", "520102199003070022", "520102198804150036")
TREATMENT_WALKS: list[tuple[str, str | None, str | None]] = [
    ("P065", None, None),  # 新增定点医疗机构: 贵阳市第一人民医院
    ("P066", None, None),  # 新增定点零售药店: 贵阳大药房云岩店
    ("P069", None, None),  # 特殊药品指定医院
    ("P090", None, None),  # 特药定岗医师 in the pool
    ("P044", None, None),  # 异地安置备案: 刘洋, in effect
    ("P045", None, "review"),  # 异地长期居住备案: 王芳, waiting for review
    ("P049", None, None),  # 住院费用报销: 王芳, settled, paid (BenefitPaymentApproved to settlement)
    ("P048", None, "settlement_review"),  # 门诊费用报销: 王芳, waiting for the (batch) settlement review
    ("P060", None, "review"),  # 特殊药品用药资格: 王芳, waiting for review
    ("P063", "parameters", "param_review"),  # 医疗机构参数维护: new 起付线 and 预留比例, waiting for review
]


def _settlement(s: Seeder) -> None:
    declaration = {
        "fixmedins_code": "H52010000001",
        "fixmedins_name": "贵阳市第一人民医院",
        "admdvs": "520102",
        "setl_ym": last_month(),
        "setl_cnt": 1832,
        "declared_amount": "1268450.36",
    }
    deductions = {
        "deductions": [
            {"kind": "ordinary", "amount": "3250.00", "reason": "超限价收费", "source": "audit"},
            {"kind": "penalty", "amount": "6500.00", "reason": "分解住院，二倍处罚", "source": "manual"},
        ]
    }
    full: list[Step] = [
        (REG, "receive", {}, None),
        (AUDITOR, "violation_deduction", deductions, None),
        (REG, "generate", {}, None),
        (FIRST, "approve", {}, "初审通过"),
        (SECOND, "approve", {}, "复审通过"),
        (REG2, "print_slips", {}, None),
        (REG2, "merge_and_print", {"merge_no": "HD202611001"}, None),
        (REG2, "push_to_fes", {"fes_serial_no": "FES20261125001"}, None),
        (FINANCE, "disburse", {"disbursed_amount": "1258700.36", "bank_voucher_no": "BK0001"}, None),
        (SYSTEM, "write_back", {"finance_flag": "1"}, None),
    ]
    s.case("p079-1", "P079", HOSPITAL, declaration, full)
    second = {
        **declaration,
        "fixmedins_code": "H52010000002",
        "fixmedins_name": "贵州医科大学附属医院",
        "declared_amount": "2310000.00",
    }
    s.case(
        "p079-2",
        "P079",
        ("H52010000002", "institution"),
        second,
        [
            (REG, "receive", {}, None),
            (AUDITOR, "violation_deduction", {"deductions": []}, None),
            (REG, "generate", {}, None),
        ],
    )
    third = {
        **declaration,
        "fixmedins_code": "P52010000003",
        "fixmedins_name": "一树药业连锁第三药房",
        "declared_amount": "58230.10",
    }
    s.case(
        "p079-3",
        "P079",
        ("P52010000003", "institution"),
        third,
        [
            (REG, "receive", {}, None),
            (AUDITOR, "violation_deduction", {"deductions": []}, None),
            (REG, "generate", {}, None),
            (FIRST, "approve", {}, None),
            (SECOND, "step_back", {}, "申报笔数与纸质汇总表不一致，退回初审"),
        ],
    )
    for process, variant, stop_at in SETTLEMENT_WALKS:
        s.walk_example(process, variant, stop_at)


# Settlement cases on the processes' own examples, beside the hand-made monthly settlements above.
SETTLEMENT_WALKS: list[tuple[str, str | None, str | None]] = [
    ("P083", "budget_setup", None),  # 总额预算: 贵阳市第一人民医院's 2026 budget and monthly quotas, in effect
    ("P086", None, "first_review"),  # 预付金拨付: waiting for the first review
    ("P027", None, "recheck_level_2"),  # 月结算费用支付: the bank file, waiting for the second 复核 level
]


def _supervision(s: Seeder) -> None:
    suspicion = {
        "task_type": "事后审核",
        "task_name": f"{last_month()} 门诊智能审核",
        "mdtrt_id": "MD20261001001",
        "fixmedins_code": "H52010000001",
        "rule_code": "R-重复收费",
        "admdvs": "520102",
        "suspect_amount": "1840.00",
    }
    s.case(
        "p072-1",
        "P072",
        SYSTEM,
        suspicion,
        [
            (FIRST, "approve", {"is_violation": True, "vola_amt": "1840.00"}, None),
            (HOSPITAL, "appeal", {"appeal_reason": "系不同日期两次检查，非重复收费"}, None),
            (SECOND, "approve", {"is_violation": False, "vola_amt": "0"}, "申诉成立"),
            (PANEL, "approve", {"is_violation": False, "vola_amt": "0"}, "合议认定不违规"),
            (SYSTEM, "compensation", {}, None),
            (AUDITOR, "close", {}, None),
        ],
    )
    s.case(
        "p072-2",
        "P072",
        SYSTEM,
        {**suspicion, "mdtrt_id": "MD20261001002", "suspect_amount": "620.50"},
        [
            (FIRST, "approve", {"is_violation": True, "vola_amt": "620.50"}, None),
        ],
    )
    for process, variant, stop_at in SUPERVISION_WALKS:
        s.walk_example(process, variant, stop_at)


# Supervision cases on the processes' own examples, beside the hand-made 智能监控 cases above.
SUPERVISION_WALKS: list[tuple[str, str | None, str | None]] = [
    ("P073", None, None),  # 日常检查: two sampled settlement details, nothing found
    ("P077", None, "review"),  # 举报投诉线索核查: investigated, waiting for review
]

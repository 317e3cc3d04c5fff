"""Puts the sandbox (ybj_gateway/sandbox.py: synthetic people and institutions) onto a running platform, through its
public entry point as bureau staff would, so that a channel can develop against it and the end-to-end test of the 114
items has people to ask about.

What it does, each step idempotent (every case under an Idempotency-Key of its own; a case an earlier run left
half-way is carried on from its stage; settlement records go by their setl_id), so a second run adds nothing:
- the sandbox's three units registered (P001), the hospital and the pharmacy admitted (P065, P066: 申请 → 国家平台新增
  → 审核 → 省级系统新增);
- the roster's employees enrolled under the first unit (P002), each with one 注入 of 1,000.00 on their personal account
  (P012: the balance an item taking out the whole account names), and the `person`'s contributions for each month of
  this year before this one (P011 单位欠费补缴: the only process that records a 职工 month as paid; in January, last
  December);
- the roster's residents enrolled under the sandbox community (P019), the `relative` among them;
- settlement records of the `person` at the hospital and the pharmacy (outpatient, inpatient, maternity, a purchase)
  and one outpatient visit a year of every other insured person, last year's and this year's up to today, sent by
  each institution itself;
- then it waits until the read side shows every insured sandbox person and treatment knows them insured.

`seed(api_url, token_factory)` answers the facts the end-to-end test fills the items' examples with (SandboxFacts).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx

from ybj_enrollment.registries.codes import emp_no_for, psn_no_for
from ybj_gateway.sandbox import (
    APPLICANTS,
    BY_ROLE,
    COMMUNITY,
    EMPLOYER,
    EMPLOYERS,
    INSTITUTION,
    INSTITUTIONS,
    PHARMACY,
    ROSTER,
    SandboxInstitution,
    SandboxPerson,
    SandboxUnit,
)
from ybj_treatment.rules.institutions import months_before

# (user, role) -> a bearer token of a 贵阳 (520100) staff member: demo.Staff.token, or an integration test's Api.token.
TokenFactory = Callable[[str, str], str]
Who = tuple[str, str]
# (stage the case waits at, who acts, action, data): a case is walked from whichever stage it is at.
Step = tuple[str, Who, str, dict[str, Any]]

REG: Who = ("sbx-reg-01", "registrar")
REVIEWER: Who = ("sbx-fr-01", "first_reviewer")
READER: Who = ("sbx-reader-01", "oversight")
KEY_PREFIX = "sandbox-"
EPOCH = date(2020, 1, 1)  # the sandbox unit, community and institutions exist from this day (example)
DECL_WAGE = "6500.00"  # 申报工资 of every sandbox employee (example)
MONTHLY_DUE = "650.00"  # a month's contribution recorded for the person (example: 10 % of the wage)
INJECTION = ("2026-01-01", "1000.00")  # the one 注入 on each employee's account: date and amount (example)
# Legal representatives: adults of the roster.
LEGREPS = {"employer": "extra-13", "employer2": "extra-08", "employer3": "extra-10", "institution": "extra-33"}
LEGREPS["pharmacy"] = "extra-04"
LEGREPS["institution2"] = "extra-34"


@dataclass(frozen=True)
class SandboxFacts:
    """What the platform now holds of the sandbox, as the end-to-end examples name it (items/served.py)."""

    people: Mapping[str, Mapping[str, str]]  # role -> certno, psn_name, psn_no ('' when not insured), …
    institutions: Mapping[str, Mapping[str, str]]  # institution / pharmacy -> fixmedins_code, fixmedins_name, …
    employers: Mapping[str, Mapping[str, str]]  # employer / employer2 / employer3 -> emp_no, emp_name
    community: Mapping[str, str]  # emp_no, emp_name (the 居民单位)
    # new_employer / new_hospital / new_pharmacy -> uscc, name: applicants the items register (not seeded)
    applicants: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: APPLICANTS)

    def values(self) -> dict[str, str]:
        """`role.field` -> value, for ybj_gateway.sandbox.fill: `person.certno`, `institution.fixmedins_code` …"""
        groups = {
            **self.people,
            **self.institutions,
            **self.employers,
            **self.applicants,
            "community": self.community,
        }
        return {f"{role}.{k}": v for role, fields in groups.items() for k, v in fields.items()}


class _Api:
    """The entry point as sandbox staff: cases under Idempotency-Keys, walked from their current stage."""

    def __init__(self, client: httpx.Client, token_factory: TokenFactory) -> None:
        self.client = client
        self.token_factory = token_factory

    def headers(self, who: Who, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token_factory(*who)}", **extra}

    def post(self, path: str, body: Any, who: Who, **extra: str) -> dict[str, Any]:
        response = self.client.post(path, json=body, headers=self.headers(who, **extra))
        if response.status_code >= 300:
            raise RuntimeError(f"sandbox step {path} failed: {response.status_code} {response.text[:500]}")
        answer: dict[str, Any] = response.json()
        return answer

    def case(
        self,
        key: str,
        process: str,
        data: dict[str, Any],
        steps: Sequence[Step] = (),
        variant: str | None = None,
        opener: Who = REG,
    ) -> dict[str, Any]:
        """Open (or find) the case and take each step from the stage it is at until it is completed."""
        opening = {"process": process, "data": data, **({"variant": variant} if variant else {})}
        ack = self.post("/api/v1/cases", opening, opener, **{"Idempotency-Key": f"{KEY_PREFIX}{key}"})
        by_stage = {stage: (who, action, step_data) for stage, who, action, step_data in steps}
        while ack["stage"] != "completed":
            if ack["stage"] not in by_stage:
                raise RuntimeError(f"sandbox case {key} ({process}) waits at {ack['stage']}, which it has no step for")
            who, action, step_data = by_stage.pop(ack["stage"])
            body = {"action": action, "expected_version": ack["version"], "data": step_data, "comment": None}
            ack = self.post(f"/api/v1/cases/{ack['case_id']}/actions", body, who)
        return ack

    def read(self, path: str, **params: str) -> httpx.Response:
        return self.client.get(path, params=params, headers=self.headers(READER))


def seed(api_url: str, token_factory: TokenFactory, *, timeout: float = 60.0) -> SandboxFacts:
    """Put the sandbox onto the platform at `api_url` (safe to run again) and answer what it holds."""
    today = date.today()
    with httpx.Client(base_url=api_url, timeout=30) as client:
        api = _Api(client, token_factory)
        emp_nos = {role: _employer(api, role, unit) for role, unit in EMPLOYERS.items()}
        emp_no = emp_nos["employer"]
        for institution in INSTITUTIONS:
            _admitted(api, institution, today)
        for person in ROSTER:
            if person.insured == "employee":
                _employee(api, person, emp_no)
            elif person.insured == "resident":
                _resident(api, person)
        _contributions(api, BY_ROLE["person"], emp_no, today)
        _send_records(api, today)
        _for_items(api, emp_no, today)
        psn_nos = {p.role: _wait_readable(api, p, timeout) for p in ROSTER if p.insured != "none"}
        for person in ROSTER:
            if person.insured != "none":
                _wait_insured_in_treatment(api, person, timeout)
    return SandboxFacts(
        people={p.role: {**p.placeholders(), "psn_no": psn_nos.get(p.role, "")} for p in ROSTER},
        institutions={
            i.role: {"fixmedins_code": i.fixmedins_code, "fixmedins_name": i.fixmedins_name, "admdvs": i.admdvs}
            for i in INSTITUTIONS
        },
        employers={role: {"emp_no": emp_nos[role], "emp_name": unit.emp_name} for role, unit in EMPLOYERS.items()},
        community={"emp_no": str(COMMUNITY.emp_no), "emp_name": COMMUNITY.emp_name},
    )


def _employer(api: _Api, role: str, unit: SandboxUnit) -> str:
    """P001: the unit registered; its 单位编号."""
    uscc, legrep = str(unit.uscc), BY_ROLE[LEGREPS[role]]
    data = {
        "admdvs": unit.admdvs,
        "emp_mgt_type": "01",
        "emp_type": "10",
        "uscc": uscc,
        "emp_name": unit.emp_name,
        "contact_name": legrep.psn_name,
        "tel": legrep.tel,
        "admin_region": "贵阳市（沙箱）",
        "addr": "贵阳市沙箱测试路1号（虚构）",
        "legrep_name": legrep.psn_name,
        "legrep_certno": legrep.certno,
        "legrep_mob": legrep.tel,
        "insutypes": ["310", "510"],
        "founded_on": EPOCH.isoformat(),
    }
    api.case(f"p001-{role}", "P001", data)
    return emp_no_for(uscc, unit.admdvs)


def _admitted(api: _Api, institution: SandboxInstitution, today: date) -> None:
    """P065 (hospital) or P066 (pharmacy), from the application to the provincial record."""
    legrep = BY_ROLE[LEGREPS[institution.role]]
    code, name = institution.fixmedins_code, institution.fixmedins_name
    application: dict[str, Any] = {
        "admdvs": institution.admdvs,
        "fixmedins_name": name,
        "addr": f"贵阳市沙箱测试路{2 if institution.role == 'institution' else 3}号（虚构）",
        "legrep_name": legrep.psn_name,
        "legrep_certno": legrep.certno,
        "uscc": institution.uscc,
        "acct_name": name,
        "bank_acct": f"{code[1:]}0000000",
        "bank_code": "999999999999",
        "bank_name": "沙箱测试银行（虚构）",
        "aply_name": legrep.psn_name,
        "tel": legrep.tel,
        "stmt_months": months_before(today, 3),
        "legrep_promise": True,
    }
    provincial: dict[str, Any] = {"fixmedins_code": code, "fixmedins_name": name, "begndate": EPOCH.isoformat()}
    if institution.fixmedins_type == "1":
        process = "P065"
        application |= {
            "cert_date": EPOCH.isoformat(),
            "medins_type": "综合医院",
            "biz_nat": "1",
            "hosp_lv": "02",
            "bed_cnt": 300,
            "pub_hosp_flag": True,
            "doc_cnt": 80,
            "nurs_cnt": 120,
        }
        provincial |= {"svc_types": ["11", "14", "21", "51", "52"], "dpst_prop": "0.05"}
    else:
        process = "P066"
        application |= {
            "uscc_date": EPOCH.isoformat(),
            "drug_lic_no": "黔沙箱0001（虚构）",
            "drug_lic_date": EPOCH.isoformat(),
            "biz_scp": "中成药、化学药制剂（沙箱示例）",
            "chain_flag": False,
            "biz_area": "80.00",
            "pharm_name": legrep.psn_name,
            "pharm_cert_no": "SBX0001",
        }
        provincial |= {"svc_types": ["41"], "dpst_prop": "0.05"}
    steps: list[Step] = [
        ("register", REG, "register", {"fixmedins_code": code}),
        ("review", REVIEWER, "approve", {}),
        ("register_provincial", REG, "register_provincial", provincial),
    ]
    api.case(f"{process.lower()}-{code}", process, application, steps, variant="single")


def _identity(person: SandboxPerson) -> dict[str, Any]:
    return {
        "psn_cert_type": person.psn_cert_type,
        "certno": person.certno,
        "psn_name": person.psn_name,
        "gend": person.gend,
        "naty": person.naty,
        "brdy": person.brdy.isoformat(),
        "tel": person.tel,
        "bank_acct": person.bank_acct,
    }


def _employee(api: _Api, person: SandboxPerson, emp_no: str) -> None:
    """P002 under the sandbox unit, then one 注入 on their account (P012): its balance is INJECTION's amount."""
    first_work = date(min(person.brdy.year + 18, 2025), 9, 1)
    hired = max(first_work, date(2020, 7, 1))
    unit = {"emp_no": emp_no, "emp_name": EMPLOYER.emp_name}
    enrollment = {
        **unit,
        **_identity(person),
        "emp_mgt_type": "01",
        "fir_work_date": first_work.isoformat(),
        "decl_wage": DECL_WAGE,
        "emp_fom": "01",
        "hired_on": hired.isoformat(),
        "begndate": hired.isoformat(),
    }
    api.case(f"p002-{person.certno}", "P002", enrollment)
    injection = {
        **unit,
        "certno": person.certno,
        "insutype": "310",
        "quota_flag": "1",
        "inject_type": "1",
        "inject_date": INJECTION[0],
        "inject_amt": INJECTION[1],
    }
    api.case(f"p012-{person.certno}", "P012", injection, variant="import")


def _resident(api: _Api, person: SandboxPerson) -> None:
    """P019 under the sandbox community: 参保属地 first, then the person."""
    begins = max(EPOCH, person.brdy)
    unit = {"emp_no": COMMUNITY.emp_no, "emp_name": COMMUNITY.emp_name, "admdvs": COMMUNITY.admdvs}
    enrollment = {
        **_identity(person),
        "begndate": begins.isoformat(),
        "fst_insu_ym": f"{begins:%Y%m}",
        "psn_type": "11",
        "clct_grade": "1",
        "clct_way": "1",
        "max_acct_prd": f"{begins.year}12",
    }
    api.case(f"p019-{person.certno}", "P019", unit, [("register", REG, "register", enrollment)], variant="single")


def months_paid(today: date) -> list[str]:
    """The months whose contribution the sandbox records: this year's before this month (in January, last December)."""
    if today.month == 1:
        return [f"{today.year - 1}12"]
    return [f"{today.year}{m:02d}" for m in range(1, today.month)]


def _contributions(api: _Api, person: SandboxPerson, emp_no: str, today: date) -> None:
    """One P011 case a month (a month already recorded is never sent again: its case is found by its key)."""
    for ym in months_paid(today):
        data = {
            "emp_no": emp_no,
            "emp_name": EMPLOYER.emp_name,
            "certno": person.certno,
            "insutype": "310",
            "begn_ym": ym,
            "end_ym": ym,
            "due_amt": MONTHLY_DUE,
            "late_fee_flag": "0",
        }
        api.case(f"p011-{ym}-{person.certno}", "P011", data)


# The person's visits of a year: (n, institution, med_type, month, day, total, fund, account) in yuan (examples).
Visit = tuple[int, SandboxInstitution, str, int, int, str, str, str]
PERSON_VISITS: tuple[Visit, ...] = (
    (1, INSTITUTION, "11", 1, 10, "268.50", "150.00", "80.00"),
    (2, INSTITUTION, "21", 3, 20, "8650.00", "6200.00", "0.00"),
    (3, INSTITUTION, "52", 6, 18, "5200.00", "4100.00", "0.00"),
    (4, PHARMACY, "41", 9, 5, "96.40", "0.00", "96.40"),
)
OTHERS_VISIT: Visit = (1, INSTITUTION, "11", 2, 14, "120.00", "60.00", "0.00")  # every other insured person's
LINES = {  # 医疗目录编码 and name of each visit's one line (example codes in the national shape)
    "11": ("110200001", "普通门诊诊查费"),
    "21": ("310100001", "住院诊查费"),
    "52": ("330000001", "生育住院综合服务（示例）"),
    "41": ("XA10BAA010A001010100773", "盐酸二甲双胍片 0.5g"),
}


def records(today: date) -> list[dict[str, Any]]:
    """The sandbox's settlement records of last year and this year up to today, each a function of its setl_id only
    (so the same record is sent again unchanged, never a different one under its setl_id)."""
    rows = []
    for year in (today.year - 1, today.year):
        for index, person in enumerate(ROSTER, 1):
            if person.insured == "none":
                continue
            for visit in PERSON_VISITS if person.role == "person" else (OTHERS_VISIT,):
                if date(year, visit[3], visit[4]) <= today:
                    rows.append(
                        _record(person, f"SBX{year}{index:03d}{visit[0]:02d}", date(year, visit[3], visit[4]), visit)
                    )
    return rows


def _record(person: SandboxPerson, setl_id: str, day: date, visit: Visit) -> dict[str, Any]:
    _, institution, med_type, _, _, total, fund, account = visit
    code, name = LINES[med_type]
    line = {"med_list_codg": code, "med_list_name": name, "cnt": "1", "pric": total, "det_item_fee_sumamt": total}
    return {
        "setl_id": setl_id,
        "mdtrt_id": f"MD{setl_id}",
        "psn_no": psn_no_for(person.certno),
        "certno": person.certno,
        "gend": person.gend,
        "fixmedins_code": institution.fixmedins_code,
        "insutype": "310" if person.insured == "employee" else "390",
        "med_type": med_type,
        "begndate": day.isoformat(),
        "enddate": day.isoformat(),
        "setl_time": f"{day.isoformat()}T10:30:00+08:00",
        "medfee_sumamt": total,
        "hifp_pay": fund,
        "acct_pay": account,
        "psn_cash_pay": str(Decimal(total) - Decimal(fund) - Decimal(account)),
        "lines": [line],
    }


def _send_records(api: _Api, today: date) -> None:
    """Each institution sends its own records (as itself), in one batch; records sent before are left unchanged."""
    rows = records(today)
    for institution in (INSTITUTION, PHARMACY):
        mine = [r for r in rows if r["fixmedins_code"] == institution.fixmedins_code]
        if mine:
            api.post("/api/v1/settlement-records", mine, (institution.fixmedins_code, "institution"))


def _wait_readable(api: _Api, person: SandboxPerson, timeout: float) -> str:
    """The person's 人员编号 once the read side shows them enrolled (what the gateway's items read)."""
    deadline = time.monotonic() + timeout
    while True:
        response = api.read("/api/v1/persons", certno=person.certno)
        if response.status_code == 200 and response.json().get("enrollments"):
            return str(response.json()["key"])
        if time.monotonic() > deadline:
            raise RuntimeError(f"the read side never showed sandbox person {person.psn_name}: {response.text[:300]}")
        time.sleep(0.2)


def _wait_insured_in_treatment(api: _Api, person: SandboxPerson, timeout: float) -> None:
    """Until treatment's view of who is insured (fed by enrollment's events) has them: its items check it."""
    deadline = time.monotonic() + timeout
    while True:
        now = datetime.now(UTC).isoformat()  # treatment's own store: the view is not republished
        response = api.read(f"/api/v1/registries/insured/{person.certno}", as_of=now)
        if response.status_code == 200 and response.json()["state"].get("relations"):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"treatment never learnt that sandbox person {person.psn_name} is insured")
        time.sleep(0.2)


HOSPITAL_STAFF: Who = ("sbx-his-01", "institution")
PHARMACY_STAFF: Who = ("sbx-pos-01", "institution")
VENDOR: Who = ("sbx-vendor-01", "vendor")
PAYER: Who = ("sbx-payer-01", "applicant")
TAX: Who = ("sbx-tax-01", "tax_bureau")
COUNTY: Who = ("sbx-county-01", "county_bureau")


def _for_items(api: _Api, emp_no: str, today: date) -> None:
    """What the items read about the sandbox's people beyond their enrollment (each an example, idempotent)."""
    person, relative, payer = BY_ROLE["person"], BY_ROLE["relative"], BY_ROLE["resident_payer"]
    # 个人应缴工资基数核定 (item 99 自主申报查询).
    base = {"certno": person.certno, "insutype": "310", "begn_ym": f"{today.year}01", "end_ym": f"{today.year}12"}
    api.case(f"p009-{person.certno}-{today.year}", "P009", {**base, "decl_wage": DECL_WAGE})
    # A resident's contribution of next year, paid through the tax bureau (item 58 居民缴费进度查询).
    year = today.year + 1
    collect = {
        "admdvs": ADMDVS_OF_COMMUNITY,
        "certno": payer.certno,
        "psn_name": payer.psn_name,
        "clct_year": year,
        "clct_grade": "1",
        "psn_clct_amt": "400.00",
        "tax_vchr_no": f"35{today:%Y%m%d}{int(payer.certno[-5:-1]):08d}",
    }
    api.case(
        f"p022-{payer.certno}-{year}",
        "P022",
        collect,
        [
            ("print_payment_voucher", REG, "print_payment_voucher", {}),
            ("pay", PAYER, "pay", {"pay_amt": "400.00", "pay_date": today.isoformat()}),
            (
                "feed_back_enrollment",
                TAX,
                "feed_back_enrollment",
                {"tax_pay_sn": f"35{today:%Y%m%d}99990001", "fdbk_date": today.isoformat()},
            ),
            ("monthly_verification", REG, "monthly_verification", {"vrf_ym": f"{today:%Y%m}", "tax_rcv_amt": "400.00"}),
            ("special_group_verification", COUNTY, "special_group_verification", {"sbsy_ledger_amt": "0.00"}),
        ],
    )
    # 账户共济: the person shares her account with her husband, and paid his contribution of this year (92-98, 112).
    pair = {
        "certno": person.certno,
        "psn_name": person.psn_name,
        "user_certno": relative.certno,
        "user_name": relative.psn_name,
    }
    review = [("review", REVIEWER, "approve", {"aprv_opnn": "亲属关系核验一致（沙箱）"})]
    api.case(f"s097-{person.certno}-{relative.certno}", "S097", {**pair, "rlts": "1"}, review, variant="bind")
    api.case(f"s111-{relative.certno}-{today.year}", "S111", {**pair, "clct_year": today.year}, review)
    # 电子处方: the pharmacy takes e-prescriptions; the hospital issued the person two today, one already bought (82-89).
    api.case(
        f"s086-{PHARMACY.fixmedins_code}",
        "S086",
        {"fixmedins_code": PHARMACY.fixmedins_code, "begndate": EPOCH.isoformat()},
        variant="enable",
    )
    for n in (1, 2):
        api.case(
            f"s085-issue-{today:%Y%m%d}-{n}",
            "S085",
            _prescription(person, today, n),
            variant="issue",
            opener=HOSPITAL_STAFF,
        )
    bought = {
        "hi_rxno": _rxno(today, 1),
        "fixmedins_code": PHARMACY.fixmedins_code,
        "disp_time": _beijing_now(),
        "setl_id": f"SETL{ADMDVS_OF_COMMUNITY}{today:%Y%m%d}99001",
        "medfee_sumamt": "57.60",
        "hifp_pay": "28.80",
        "acct_pay": "0.00",
        "psn_cash_pay": "28.80",
    }
    transfer = {
        "certno": person.certno,
        "psn_name": person.psn_name,
        "hi_rxno": _rxno(today, 1),
        "fixmedins_code": PHARMACY.fixmedins_code,
        "chosen_time": _beijing_now(),
    }
    api.case(f"s082-{today:%Y%m%d}-1", "S082", transfer, opener=("sbx-channel-01", "channel"))
    api.case(f"s085-dispense-{today:%Y%m%d}-1", "S085", bought, variant="dispense", opener=PHARMACY_STAFF)
    # 门诊慢特病指定定点医院: the sandbox hospital is one (item 59).
    designation = {
        "fixmedins_name": INSTITUTION.fixmedins_name,
        "addr": "贵阳市沙箱测试路2号（虚构）",
        "fixmedins_code": INSTITUTION.fixmedins_code,
        "hosp_lv": "02",
        "medins_type": "综合医院",
        "biz_nat": "1",
        "legrep_name": BY_ROLE[LEGREPS["institution"]].psn_name,
        "tel": BY_ROLE[LEGREPS["institution"]].tel,
        "hi_dept_head": BY_ROLE[LEGREPS["institution"]].psn_name,
        "hi_dept_tel": BY_ROLE[LEGREPS["institution"]].tel,
    }
    api.case(
        f"p070-{INSTITUTION.fixmedins_code}",
        "P070",
        designation,
        [("activate", VENDOR, "activate", {"begndate": EPOCH.isoformat()})],
    )


ADMDVS_OF_COMMUNITY = COMMUNITY.admdvs


def _rxno(today: date, n: int) -> str:
    return f"RX{INSTITUTION.fixmedins_code[1:7]}{today:%Y%m%d}99{n:02d}"


def _beijing_now() -> str:
    return datetime.now(timezone(timedelta(hours=8))).replace(tzinfo=None, microsecond=0).isoformat()


def _prescription(person: SandboxPerson, today: date, n: int) -> dict[str, Any]:
    """An e-prescription of the sandbox hospital for the person (example drug, physician and diagnosis)."""
    return {
        "hi_rxno": _rxno(today, n),
        "fixmedins_code": INSTITUTION.fixmedins_code,
        "prsc_dept_name": "心血管内科",
        "dr_code": f"D{ADMDVS_OF_COMMUNITY}99001",
        "dr_name": BY_ROLE["extra-35"].psn_name,
        "psn_cert_type": person.psn_cert_type,
        "certno": person.certno,
        "psn_name": person.psn_name,
        "diag_code": "I10.X00",
        "diag_name": "原发性高血压",
        "drugs": [
            {
                "hilist_code": "XC08CAA148A001010101571",
                "hilist_name": "苯磺酸氨氯地平片",
                "drug_spec": "5mg*28片",
                "drug_dosform": "片剂",
                "drug_cnt": "2",
                "drug_unit": "盒",
                "medc_way": "口服",
                "used_frqu": "每日1次",
                "sin_doscnt": "5mg",
                "prd_days": 28,
            }
        ],
        "prsc_time": _beijing_now(),
        "valid_days": 3,
    }

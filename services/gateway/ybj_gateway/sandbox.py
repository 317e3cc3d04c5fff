"""The sandbox: synthetic people and institutions the test environment serves (issue 9 §4), never production data.

A channel admitted to the test environment can develop against these the day it is admitted. Everything here is made
by the project from a fixed seed, so the roster is the same on every machine and in every run, and it is clearly fake:

- names are 测试 + a number in Chinese (测试一, 测试二, …): 测 is no Chinese surname;
- 居民身份证号 begin with 520199, a 贵阳 county code that does not exist (贵阳's districts and counties are 520102 …
  520123 and 520181), so no real person holds one, yet each is well formed: a real birth date, the 17th digit's
  parity the person's sex, and a valid GB 11643 check digit (the kernel's own helpers);
- phones are 1380000 + four digits and bank accounts 62229999 + eleven digits. China reserves no number range for
  fiction (as 555-01xx is reserved in North America): these are the blocks Chinese examples conventionally use, chosen
  so that nobody mistakes them for a citizen's (an assumption, to revisit if a real range is ever reserved);
- institutions are 沙箱测试…（虚构）, their 定点医药机构编号 H/P + 520102 + 99xxx (a sequence block real admissions
  do not reach), their 统一社会信用代码 with 9999 in the organisation code and a valid GB 32100 check character.

Named roles (the end-to-end test's placeholders, items/served.py): `person` (a woman of about 30, an employee of the
sandbox unit with a personal account, contributions and settlement records), `relative` (her husband, a 城乡居民),
`newcomer` (not insured: item 1 enrolls them), one person for each item that changes someone (`worker`, `retiree`,
`leaver`, `mover` … below), `employer` (and `employer2`, `employer3` to close down), `institution`, `pharmacy`; and
`extra-NN`, more people for channels to try, some employees, some residents, some not insured.
tools/ybj_dev/sandbox.py puts them onto a platform.

`sandbox_only` (YBJ_GATEWAY_SANDBOX_ONLY) makes every personal item refuse anyone not in the roster
(items/insured.matched_person): a gateway serving the sandbox then cannot show a real person even if one were in its
platform's registries.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from ybj_gateway.settings import GatewaySettings
from ybj_kernel.domain.identity import certno_check_digit, uscc_check_char

SEED = 20261207  # the roster's random seed: fixed, so every run makes the same people
AREA = "520199"  # a 贵阳 county code that does not exist: no real 身份证号 begins with it
ADMDVS = "520102"  # where the sandbox's unit, community and institutions are (a real 医保区划, inside 贵阳 520100)
EXTRAS = 37  # unnamed people, numbered 4-40 (53 people in all with the named ones)
PHONE_BLOCK = "1380000"
BANK_BLOCK = "62229999"

Insured = Literal["employee", "resident", "none"]


@dataclass(frozen=True)
class SandboxPerson:
    """One synthetic person: who they are (consistent with their 身份证号) and how the sandbox insures them."""

    role: str
    certno: str
    psn_name: str
    gend: str  # 1 男, 2 女: the parity of the 17th digit
    brdy: date
    tel: str
    bank_acct: str
    insured: Insured
    naty: str = "01"
    psn_cert_type: str = "01"

    def placeholders(self) -> dict[str, str]:
        """The person's values as the end-to-end examples name them (`${person.certno}` …), psn_no aside."""
        return {
            "certno": self.certno,
            "psn_name": self.psn_name,
            "psn_cert_type": self.psn_cert_type,
            "gend": self.gend,
            "brdy": self.brdy.isoformat(),
            "tel": self.tel,
            "bank_acct": self.bank_acct,
        }


@dataclass(frozen=True)
class SandboxUnit:
    """A unit of the sandbox: the employer (registered through P001) or the 居民单位 residents enroll under."""

    emp_name: str
    admdvs: str
    uscc: str | None = None  # the employer's; emp_no is derived from it at registration
    emp_no: str | None = None  # the community's (a 居民单位 is named, not registered)


@dataclass(frozen=True)
class SandboxInstitution:
    """A designated institution of the sandbox (定点医疗机构 `1` or 定点零售药店 `2`)."""

    role: str
    fixmedins_code: str
    fixmedins_name: str
    fixmedins_type: Literal["1", "2"]
    admdvs: str
    uscc: str


_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 23 → 二十三 (1 … 99)."""
    if not 0 < n < 100:
        raise ValueError(f"{n} is outside 1 … 99")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else f"{_DIGITS[tens]}十")
    return head + (_DIGITS[ones] if ones else "")


def sandbox_certno(index: int, born: date, gend: str) -> str:
    """The index-th sandbox person's 居民身份证号: AREA, the birth date, the index and a digit of the person's sex."""
    sex_digit = 2 * (index % 5) + (1 if gend == "1" else 0)  # odd for men, even for women (GB 11643)
    first17 = f"{AREA}{born:%Y%m%d}{index % 100:02d}{sex_digit}"
    return first17 + certno_check_digit(first17)


def sandbox_uscc(registrar: str, org_seq: int) -> str:
    """A 统一社会信用代码 of the sandbox: 登记管理部门+机构类别, ADMDVS, 9999 + a sequence, and its check character."""
    first17 = f"{registrar}{ADMDVS}9999{org_seq:05d}"
    return first17 + uscc_check_char(first17)


def _person(index: int, role: str, born: date, gend: str, insured: Insured) -> SandboxPerson:
    """The index-th sandbox person."""
    return SandboxPerson(
        role=role,
        certno=sandbox_certno(index, born, gend),
        psn_name=f"测试{chinese_number(index)}",
        gend=gend,
        brdy=born,
        tel=f"{PHONE_BLOCK}{index:04d}",
        bank_acct=f"{BANK_BLOCK}{index:011d}",
        insured=insured,
    )


def _extra_insured(index: int, born: date) -> Insured:
    """Every fifth extra is not insured; of the others, working-age adults (18-59 in 2026) are employees half the time."""
    if index % 5 == 4:
        return "none"
    working = 1967 <= born.year <= 2008
    return "employee" if working and index % 5 in (0, 1) else "resident"


# The named people: (role, birth date, sex, how insured), numbered 1-3 and, after the extras, from 41 on (so that adding
# one never renumbers anybody). Each item of the end-to-end test that changes a person (suspends, retires, renames,
# moves, withdraws) has a person of its own, so that the items do not undo each other.
NAMED_FIRST: tuple[tuple[str, date, str, Insured], ...] = (
    ("person", date(1996, 5, 14), "2", "employee"),  # maternity, outpatient, inpatient; account, contributions
    ("relative", date(1994, 9, 3), "1", "resident"),  # her husband
    ("newcomer", date(2001, 11, 22), "1", "none"),  # enrolled by item 1 (城乡居民)
)
NAMED_LATER: tuple[tuple[str, date, str, Insured], ...] = (
    ("worker", date(1990, 3, 8), "1", "employee"),  # suspended (item 9), then resumed (item 14)
    ("worker2", date(1986, 7, 19), "2", "employee"),  # suspended (item 12)
    ("worker3", date(1998, 1, 27), "1", "employee"),  # stopped (item 13)
    ("retiree", date(1966, 2, 11), "1", "employee"),  # retires (item 10)
    ("retiree2", date(1960, 8, 30), "2", "employee"),  # 异地安置 (items 22, 25, 26)
    ("renamer", date(1992, 12, 5), "2", "employee"),  # changes a key fact (item 15)
    ("leaver", date(1988, 4, 16), "1", "employee"),  # takes out the account's whole balance (item 16)
    ("mover", date(1983, 10, 2), "2", "employee"),  # transfers out (item 17)
    ("mover2", date(1979, 6, 24), "1", "employee"),  # transfers out (item 18)
    ("chronic_patient", date(1968, 9, 9), "2", "employee"),  # 门诊慢特病 items
    ("newcomer2", date(1995, 3, 3), "2", "none"),  # enrolled as a flexible worker (item 8)
    ("newcomer3", date(2000, 8, 18), "1", "none"),  # enrolled as an employee (item 11)
    ("resident_payer", date(1975, 6, 6), "1", "resident"),  # pays the year's resident contribution (item 58)
)


def _roster() -> tuple[SandboxPerson, ...]:
    named = tuple(_person(i, *row) for i, row in enumerate(NAMED_FIRST, 1))
    rng = random.Random(SEED)
    extras = []
    for n in range(1, EXTRAS + 1):
        index = len(named) + n
        born = date(1945, 1, 1) + timedelta(days=rng.randrange(365 * 80))  # 1945 … 2024
        gend = rng.choice("12")
        extras.append(_person(index, f"extra-{n:02d}", born, gend, _extra_insured(index, born)))
    first_later = len(named) + EXTRAS + 1
    later = tuple(_person(i, *row) for i, row in enumerate(NAMED_LATER, first_later))
    return (*named, *extras, *later)


ROSTER: tuple[SandboxPerson, ...] = _roster()
BY_ROLE: dict[str, SandboxPerson] = {p.role: p for p in ROSTER}
CERTNOS: frozenset[str] = frozenset(p.certno for p in ROSTER)

EMPLOYER = SandboxUnit("沙箱测试科技有限公司（虚构）", ADMDVS, uscc=sandbox_uscc("91", 1))
# Two more units without employees, for the items that close a unit down (items 6 and 7).
EMPLOYERS: dict[str, SandboxUnit] = {
    "employer": EMPLOYER,
    "employer2": SandboxUnit("沙箱测试二厂（虚构）", ADMDVS, uscc=sandbox_uscc("91", 4)),
    "employer3": SandboxUnit("沙箱测试三厂（虚构）", ADMDVS, uscc=sandbox_uscc("91", 5)),
}
COMMUNITY = SandboxUnit("沙箱测试社区（虚构）", ADMDVS, emp_no=f"{ADMDVS}99001")
INSTITUTION = SandboxInstitution(
    "institution", f"H{ADMDVS}99001", "沙箱测试医院（虚构）", "1", ADMDVS, sandbox_uscc("12", 2)
)
PHARMACY = SandboxInstitution("pharmacy", f"P{ADMDVS}99001", "沙箱测试药房（虚构）", "2", ADMDVS, sandbox_uscc("91", 3))
# A second hospital: the one the 慢特病 items move a patient's 定点医院 to (items 31, 33, 37, 39).
INSTITUTION2 = SandboxInstitution(
    "institution2", f"H{ADMDVS}99002", "沙箱测试第二医院（虚构）", "1", ADMDVS, sandbox_uscc("12", 6)
)
INSTITUTIONS: tuple[SandboxInstitution, ...] = (INSTITUTION, PHARMACY, INSTITUTION2)
# Applicants the sandbox does not register: the items that register a unit (5) or apply for designation (52, 53) do.
APPLICANTS: dict[str, dict[str, str]] = {
    "new_employer": {"uscc": sandbox_uscc("91", 7), "emp_name": "沙箱测试新单位（虚构）"},
    "new_hospital": {"uscc": sandbox_uscc("12", 8), "fixmedins_name": "沙箱测试新医院（虚构）"},
    "new_pharmacy": {"uscc": sandbox_uscc("91", 9), "fixmedins_name": "沙箱测试新药房（虚构）"},
}


@functools.cache
def sandbox_only() -> bool:
    """Whether this gateway serves the sandbox's people only (YBJ_GATEWAY_SANDBOX_ONLY), read once per process."""
    return GatewaySettings().sandbox_only


def outside_sandbox(certno: str) -> bool:
    """True when the gateway serves the sandbox only and this 证件号码 is no sandbox person's (a set lookup)."""
    return sandbox_only() and certno.upper() not in CERTNOS


_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")


def fill(example: Any, values: Mapping[str, Any]) -> Any:
    """An item's example with its placeholders (`${person.certno}`, `${answer:68.certno}`) replaced from `values`.

    A string that is one placeholder and nothing else becomes the value itself (a number stays a number); one inside
    a longer string is written into it. A placeholder without a value raises KeyError naming it.
    """
    if isinstance(example, str):
        whole = _PLACEHOLDER.fullmatch(example)
        if whole:
            return values[whole.group(1)]
        return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), example)
    if isinstance(example, Mapping):
        return {k: fill(v, values) for k, v in example.items()}
    if isinstance(example, list | tuple):
        return [fill(v, values) for v in example]
    return example

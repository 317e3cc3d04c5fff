"""What a person is entitled to as a patient: remote-care filings (E11) and benefit qualifications (E12, E14).

Two registries, both keyed by 人员编号 `psn_no` (so that the reaction in reactions.py finds them when enrollment
terminates a person's insurance). Dates are ISO strings, codes as the national interface names them where one exists.

`filing` (异地就医备案, P044-P047): at most one filing in effect per person.

    {
      "psn_no", "certno", "psn_name",
      "filing_type":  "异地安置" | "异地长期居住" | "常驻异地工作" | "转诊转院",
      "admdvs":            参保地医保区划,
      "mdtrtarea_admdvs":  就医地医保区划 (P044-P046: the 安置地医保区划 entered as `resettle_admdvs`; P047: 转往地, may be absent),
      "begndate":          登记生效开始日期,  "enddate": 结束日期 or absent ([A] the seeds give no validity period),
      "status":            "in_effect" | "revoked",  "revoked_on": date (once revoked),
      "process_id":        "P044" … "P047",
      "tel", "addr":       联系电话, 安置地/居住地/工作地地址 (when given),
      "fixmedins_code", "reflin_medins_no", "diag_code", "diag_name":  转出医药机构, 转往医药机构, 疾病诊断 (P047 only),
      "review_flags":      [{"cause_event_id", "cause_zh", "insutype", "on"}]   (see flag_for_review)
    }

`qualification` (待遇资格, P055-P059 门慢门特, P062 城乡居民重大疾病):

    {
      "psn_no", "certno", "psn_name",
      "chronic": {<opsp_dise_code>: {
          "name", "opsp_type" ("1" 门诊慢性病 / "2" 门诊特殊病 (规定病), when given),
          "ide_fixmedins_no" (认定定点医药机构, national 登记), "fixmedins_codes": [选定医院 …],
          "begndate", "status": "active" | "revoked", "revoked_on", "channel": "national" | "provincial",
          "prescription_book_no" (特殊疾病处方本编号, provincial), "process_id",
          "annual_reviews": [{"year", "reviewed_on", "channel", "trt_dr_name"?}],
          "proxy": {"psn_name", "certno", "rlts", "tel", "reason", "fixmedins_name", "client_tel", "on"} | None}},
      "major_disease": {<major_dise_type>: {
          "name", "trt_way", "begndate", "enddate", "fixmedins_code", "certifier_certno", "certifier_name",
          "status": "active", "process_id"}},
      "certificates": [{"kind": "lost" | "damaged", "on"}],    (医疗证 补证/换证, P059)
      "review_flags": [...]                                       (as in `filing`)
    }

`flag_for_review` is applied by treatment's reaction when enrollment terminates a person's 参保关系: it appends the
cause to `review_flags` unless that `cause_event_id` is already there (a redelivered or replayed event records
nothing). A flag leaves the filing or qualification in effect: the seeds do not say that termination ends it, so a
clerk reviews it (and revokes it through the process when needed).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from ybj_kernel.domain.registry import Op, Registry
from ybj_kernel.errors import Conflict

FILING_REGISTRY = "filing"
QUALIFICATION_REGISTRY = "qualification"
IN_EFFECT, REVOKED = "in_effect", "revoked"  # filing status
ACTIVE = "active"  # a qualification in effect (its other status is REVOKED)
FilingType = Literal["异地安置", "异地长期居住", "常驻异地工作", "转诊转院"]
# 定点医药机构编号: H + 11 digits (医疗机构) or P + 11 digits (零售药店), as the institution registry keys them.
FixmedinsCode = Annotated[str, Field(pattern=r"^[HP]\d{11}$", description="定点医药机构编号")]
DiseaseCode = Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9.\-]{0,29}$", description="病种代码")]
CERTIFICATE_KIND_ZH = {"lost": "补证（遗失）", "damaged": "换证（损坏）"}


def refuse(code: str, zh: str, en: str, field: str) -> Conflict:
    """A registry invariant the requested change would break (409), naming the field the clerk entered."""
    return Conflict(code, zh, en, field)


# ---- review flags (both registries) ---------------------------------------------------------------------------


class ReviewFlag(BaseModel):
    """Why an entitlement needs a second look: the enrollment event that ended a 参保关系."""

    cause_event_id: str = Field(min_length=1, max_length=200, description="原因事件编号")
    cause_zh: str = Field(min_length=1, max_length=200, description="原因")
    insutype: str = Field(min_length=1, max_length=6, description="险种类型")
    on: date = Field(description="参保关系终止日期")


def _flag_for_review(state: dict[str, Any], args: dict[str, Any]) -> None:
    flags: list[dict[str, Any]] = state.setdefault("review_flags", [])
    if any(f.get("cause_event_id") == args["cause_event_id"] for f in flags):
        return  # this event was already recorded: a redelivery or a replay changes nothing
    flags.append(dict(args))


FLAG_FOR_REVIEW = Op("标记待复核", "FlaggedForReview", ReviewFlag, _flag_for_review)


# ---- filing --------------------------------------------------------------------------------------------------


class Filing(BaseModel):
    """备案登记 as approved: the person, the kind of filing, where they are treated and from when."""

    psn_no: str = Field(min_length=1, max_length=30)
    certno: str = Field(min_length=1, max_length=50)
    psn_name: str = Field(min_length=1, max_length=50)
    filing_type: FilingType
    admdvs: str = Field(pattern=r"^\d{6}$", description="参保地医保区划")
    mdtrtarea_admdvs: str | None = Field(default=None, pattern=r"^\d{6}$", description="就医地医保区划")
    begndate: date
    enddate: date | None = None
    process_id: str = Field(pattern=r"^P\d{3}$")
    tel: str | None = Field(default=None, max_length=20)
    addr: str | None = Field(default=None, max_length=200)
    fixmedins_code: FixmedinsCode | None = None
    reflin_medins_no: FixmedinsCode | None = None
    diag_code: str | None = Field(default=None, max_length=30)
    diag_name: str | None = Field(default=None, max_length=100)


class FilingAmendment(BaseModel):
    """备案变更: the parts that may change while the filing is in effect (absent: unchanged)."""

    mdtrtarea_admdvs: str | None = Field(default=None, pattern=r"^\d{6}$")
    begndate: date | None = None
    enddate: date | None = None
    tel: str | None = Field(default=None, max_length=20)
    addr: str | None = Field(default=None, max_length=200)
    reflin_medins_no: FixmedinsCode | None = None
    diag_code: str | None = Field(default=None, max_length=30)
    diag_name: str | None = Field(default=None, max_length=100)


class FilingRevocation(BaseModel):
    """取消备案: from when the filing no longer applies."""

    on: date = Field(description="取消生效日期")


def _check_dates(state: dict[str, Any]) -> None:
    if state.get("enddate") and state["enddate"] < state["begndate"]:
        raise refuse(
            "END_BEFORE_BEGIN",
            f"备案结束日期（{state['enddate']}）不能早于开始日期（{state['begndate']}）",
            f"the filing's enddate {state['enddate']} is before its begndate {state['begndate']}",
            "enddate",
        )


def _check_elsewhere(state: dict[str, Any]) -> None:
    if state.get("mdtrtarea_admdvs") and state["mdtrtarea_admdvs"] == state.get("admdvs"):
        raise refuse(
            "SAME_ADMDVS",
            "就医地（安置地）医保区划不能与参保地相同",
            "the place of treatment must differ from the insured admdvs",
            "mdtrtarea_admdvs",
        )


def _register_filing(state: dict[str, Any], args: dict[str, Any]) -> None:
    if state.get("status") == IN_EFFECT:
        raise refuse(
            "FILING_IN_EFFECT",
            f"{args['psn_name']}（{args['certno']}）已有生效的异地就医备案（{state['filing_type']}，"
            f"{state['process_id']}，自 {state['begndate']} 起），请先办理备案变更或取消备案",
            f"{args['certno']} already has a remote-care filing in effect ({state['process_id']} from "
            f"{state['begndate']}); amend or revoke it first",
            "certno",
        )
    flags = state.get("review_flags", [])  # the person's earlier flags stay in the entry's record
    state.clear()
    state.update({k: v for k, v in args.items() if v is not None}, status=IN_EFFECT, review_flags=flags)
    _check_elsewhere(state)
    _check_dates(state)


def _filing_in_effect(state: dict[str, Any], what_zh: str, what_en: str) -> None:
    if state.get("status") != IN_EFFECT:
        raise refuse(
            "FILING_NOT_IN_EFFECT",
            f"该人员没有生效的异地就医备案，不能{what_zh}",
            f"this person has no remote-care filing in effect to {what_en}",
            "certno",
        )


def _amend_filing(state: dict[str, Any], args: dict[str, Any]) -> None:
    _filing_in_effect(state, "办理备案变更", "amend")
    state.update({k: v for k, v in args.items() if v is not None})
    _check_elsewhere(state)
    _check_dates(state)


def _revoke_filing(state: dict[str, Any], args: dict[str, Any]) -> None:
    _filing_in_effect(state, "取消备案", "revoke")
    state["status"] = REVOKED
    state["revoked_on"] = args["on"]
    if not state.get("enddate") or state["enddate"] > args["on"]:
        state["enddate"] = max(args["on"], state["begndate"])


FILINGS = Registry(
    FILING_REGISTRY,
    "异地就医备案",
    {
        "register": Op("异地就医备案登记", "RemoteCareFilingRegistered", Filing, _register_filing),
        "amend": Op("备案变更", "RemoteCareFilingAmended", FilingAmendment, _amend_filing, checks_missing=True),
        "revoke": Op("取消备案", "RemoteCareFilingRevoked", FilingRevocation, _revoke_filing, checks_missing=True),
        "flag_for_review": FLAG_FOR_REVIEW,
    },
    frozenset({"register"}),
)


# ---- qualification -------------------------------------------------------------------------------------------


class Person(BaseModel):
    """Who the qualification belongs to (kept up to date by every opening operation)."""

    psn_no: str = Field(min_length=1, max_length=30)
    certno: str = Field(min_length=1, max_length=50)
    psn_name: str = Field(min_length=1, max_length=50)


class ChronicQualification(Person):
    """门慢门特登记 approved (national) or 特殊疾病资格审批登记 (provincial): one 病种 and its hospitals."""

    opsp_dise_code: DiseaseCode
    opsp_dise_name: str = Field(min_length=1, max_length=100)
    opsp_type: Literal["1", "2"] | None = None
    ide_fixmedins_no: FixmedinsCode | None = None
    fixmedins_codes: list[FixmedinsCode] = Field(min_length=1)
    begndate: date
    channel: Literal["national", "provincial"]
    prescription_book_no: str | None = Field(default=None, max_length=40)
    process_id: str = Field(pattern=r"^P\d{3}$")


class ChronicRevocation(BaseModel):
    """门慢门特撤销 / 特殊疾病资格审批登记撤销: a 病种, or only some of its 选定医院."""

    opsp_dise_code: DiseaseCode
    fixmedins_codes: list[FixmedinsCode] = Field(default_factory=list, description="empty: the whole 病种")
    on: date


class HospitalChange(BaseModel):
    """新增（变更）定点医院: hospitals removed from and added to one 病种."""

    opsp_dise_code: DiseaseCode
    remove_fixmedins_codes: list[FixmedinsCode] = Field(default_factory=list)
    add_fixmedins_codes: list[FixmedinsCode] = Field(default_factory=list)


class AnnualReview(BaseModel):
    """年审 of some 病种 (empty: every 病种 in effect) for one year."""

    opsp_dise_codes: list[DiseaseCode] = Field(default_factory=list)
    year: int = Field(ge=2000, le=2100)
    reviewed_on: date
    channel: Literal["national", "provincial"]
    trt_dr_name: str | None = Field(default=None, max_length=50)


class Proxy(BaseModel):
    """委托书: who may collect the medicines of some 病种 for the holder."""

    opsp_dise_codes: list[DiseaseCode] = Field(min_length=1)
    psn_name: str = Field(min_length=1, max_length=50, description="受委托人姓名")
    certno: str = Field(min_length=1, max_length=50, description="受委托人身份证号码")
    rlts: str = Field(min_length=1, max_length=20, description="与委托人关系")
    tel: str = Field(min_length=5, max_length=20, description="受委托人联系电话")
    reason: str = Field(min_length=1, max_length=200, description="委托原因")
    fixmedins_name: str = Field(min_length=1, max_length=200, description="委托定点医疗机构名称")
    client_tel: str = Field(min_length=5, max_length=20, description="委托人联系电话")
    on: date


class CertificateReissue(BaseModel):
    """补证（遗失） or 换证（损坏） of the 医疗证."""

    kind: Literal["lost", "damaged"]
    on: date


class MajorDisease(Person):
    """城乡居民大病登记: one 特殊病种类别 certified at a 定点救治医院 by a 认定定岗医师."""

    major_dise_type: str = Field(min_length=1, max_length=50, description="特殊病种类别")
    major_dise_name: str = Field(min_length=1, max_length=100)
    trt_way: str | None = Field(default=None, max_length=100)
    begndate: date
    enddate: date
    fixmedins_code: FixmedinsCode
    certifier_certno: str = Field(min_length=1, max_length=50)
    certifier_name: str | None = Field(default=None, max_length=50)
    process_id: str = Field(pattern=r"^P\d{3}$")


def _person(state: dict[str, Any], args: dict[str, Any]) -> None:
    state.update(psn_no=args["psn_no"], certno=args["certno"], psn_name=args["psn_name"])
    state.setdefault("chronic", {})
    state.setdefault("major_disease", {})
    state.setdefault("certificates", [])
    state.setdefault("review_flags", [])


def _chronic(state: dict[str, Any], code: str) -> dict[str, Any]:
    """The 病种 in effect, or a refusal naming it."""
    held = state.get("chronic", {}).get(code)
    if not held or held.get("status") != ACTIVE:
        raise refuse(
            "NOT_QUALIFIED",
            f"该人员没有在认定有效期内的门诊慢特病病种 {code}",
            f"this person holds no chronic/special disease qualification {code} in effect",
            "opsp_dise_code",
        )
    return dict(held)


def _register_chronic(state: dict[str, Any], args: dict[str, Any]) -> None:
    code = args["opsp_dise_code"]
    held = state.get("chronic", {}).get(code)
    if held and held.get("status") == ACTIVE:
        raise refuse(
            "ALREADY_QUALIFIED",
            f"该人员已认定门诊慢特病病种 {code}（{held['name']}，自 {held['begndate']} 起），无需重复认定",
            f"this person already holds chronic/special disease qualification {code}",
            "opsp_dise_code",
        )
    _person(state, args)
    state["chronic"][code] = {
        k: v
        for k, v in {
            "name": args["opsp_dise_name"],
            "opsp_type": args.get("opsp_type"),
            "ide_fixmedins_no": args.get("ide_fixmedins_no"),
            "fixmedins_codes": sorted(set(args["fixmedins_codes"])),
            "begndate": args["begndate"],
            "status": ACTIVE,
            "channel": args["channel"],
            "prescription_book_no": args.get("prescription_book_no"),
            "process_id": args["process_id"],
            "annual_reviews": [],
            "proxy": None,
        }.items()
        if v is not None or k == "proxy"
    }


def _revoke_chronic(state: dict[str, Any], args: dict[str, Any]) -> None:
    code = args["opsp_dise_code"]
    held = _chronic(state, code)
    dropped = set(args["fixmedins_codes"])
    if not dropped:
        held.update(status=REVOKED, revoked_on=args["on"])
    else:
        unknown = sorted(dropped - set(held["fixmedins_codes"]))
        if unknown:
            raise refuse(
                "HOSPITAL_NOT_SELECTED",
                f"病种 {code} 的选定医院中没有 {'、'.join(unknown)}",
                f"{', '.join(unknown)} is not a selected hospital of {code}",
                "fixmedins_codes",
            )
        kept = [c for c in held["fixmedins_codes"] if c not in dropped]
        if not kept:
            raise refuse(
                "LAST_HOSPITAL",
                f"不能撤销病种 {code} 的全部选定医院；如需撤销该病种，请勾选病种撤销",
                f"revoking every selected hospital of {code} leaves none; revoke the disease instead",
                "fixmedins_codes",
            )
        held["fixmedins_codes"] = kept
    state["chronic"][code] = held


def _change_hospitals(state: dict[str, Any], args: dict[str, Any]) -> None:
    code = args["opsp_dise_code"]
    held = _chronic(state, code)
    current = list(held["fixmedins_codes"])
    removed, added = set(args["remove_fixmedins_codes"]), set(args["add_fixmedins_codes"])
    if unknown := sorted(removed - set(current)):
        raise refuse(
            "HOSPITAL_NOT_SELECTED",
            f"病种 {code} 的选定医院中没有 {'、'.join(unknown)}，不能删除",
            f"{', '.join(unknown)} is not a selected hospital of {code}",
            "remove_fixmedins_codes",
        )
    if again := sorted(added & (set(current) - removed)):
        raise refuse(
            "HOSPITAL_ALREADY_SELECTED",
            f"{'、'.join(again)} 已是病种 {code} 的选定医院",
            f"{', '.join(again)} is already a selected hospital of {code}",
            "add_fixmedins_codes",
        )
    after = sorted((set(current) - removed) | added)
    if not after:
        raise refuse(
            "LAST_HOSPITAL",
            f"变更后病种 {code} 没有选定医院，请新增医院",
            f"the change leaves {code} without a selected hospital",
            "add_fixmedins_codes",
        )
    if after == sorted(current):
        raise refuse(
            "NOTHING_CHANGES",
            "定点医院没有变化",
            f"the selected hospitals of {code} do not change",
            "add_fixmedins_codes",
        )
    held["fixmedins_codes"] = after
    state["chronic"][code] = held


def _annual_review(state: dict[str, Any], args: dict[str, Any]) -> None:
    active = sorted(c for c, q in state.get("chronic", {}).items() if q.get("status") == ACTIVE)
    codes = args["opsp_dise_codes"] or active
    if not codes:
        raise refuse(
            "NOT_QUALIFIED",
            "该人员没有在认定有效期内的门诊慢特病病种，无需年审",
            "this person holds no chronic/special disease qualification in effect to review",
            "certno",
        )
    for code in codes:
        held = _chronic(state, code)
        if any(r["year"] == args["year"] for r in held["annual_reviews"]):
            raise refuse(
                "ANNUAL_REVIEW_DONE",
                f"病种 {code} 的 {args['year']} 年度年审已办理",
                f"the {args['year']} annual review of {code} is already recorded",
                "opsp_dise_codes",
            )
        record = {
            k: v
            for k, v in {
                "year": args["year"],
                "reviewed_on": args["reviewed_on"],
                "channel": args["channel"],
                "trt_dr_name": args.get("trt_dr_name"),
            }.items()
            if v is not None
        }
        held["annual_reviews"] = [*held["annual_reviews"], record]
        state["chronic"][code] = held


def _register_proxy(state: dict[str, Any], args: dict[str, Any]) -> None:
    if args["certno"].upper() == str(state.get("certno", "")).upper():
        raise refuse(
            "PROXY_IS_HOLDER",
            "受委托人不能是持证人本人",
            "the proxy cannot be the holder of the certificate",
            "agent_certno",
        )
    proxy = {k: v for k, v in args.items() if k != "opsp_dise_codes"}
    for code in args["opsp_dise_codes"]:
        held = _chronic(state, code)
        held["proxy"] = proxy
        state["chronic"][code] = held


def _reissue_certificate(state: dict[str, Any], args: dict[str, Any]) -> None:
    if not any(q.get("status") == ACTIVE for q in state.get("chronic", {}).values()):
        raise refuse(
            "NOT_QUALIFIED",
            "该人员没有在认定有效期内的门诊慢特病病种，不能补证、换证",
            "this person holds no chronic/special disease qualification in effect: no certificate to reissue",
            "certno",
        )
    state["certificates"] = [*state.get("certificates", []), dict(args)]


def _certify_major_disease(state: dict[str, Any], args: dict[str, Any]) -> None:
    kind = args["major_dise_type"]
    held = state.get("major_disease", {}).get(kind)
    if held and held.get("status") == ACTIVE and held["enddate"] >= args["begndate"]:
        raise refuse(
            "ALREADY_CERTIFIED",
            f"该人员已认定重大疾病病种类别 {kind}（{held['begndate']} 至 {held['enddate']}），期间不能重复认定",
            f"this person is already certified for major disease {kind} until {held['enddate']}",
            "major_dise_type",
        )
    if args["enddate"] < args["begndate"]:
        raise refuse(
            "END_BEFORE_BEGIN",
            f"结算日期（{args['enddate']}）不能早于开始日期（{args['begndate']}）",
            f"enddate {args['enddate']} is before begndate {args['begndate']}",
            "enddate",
        )
    _person(state, args)
    state["major_disease"][kind] = {
        k: v
        for k, v in {
            "name": args["major_dise_name"],
            "trt_way": args.get("trt_way"),
            "begndate": args["begndate"],
            "enddate": args["enddate"],
            "fixmedins_code": args["fixmedins_code"],
            "certifier_certno": args["certifier_certno"],
            "certifier_name": args.get("certifier_name"),
            "status": ACTIVE,
            "process_id": args["process_id"],
        }.items()
        if v is not None
    }


QUALIFICATIONS = Registry(
    QUALIFICATION_REGISTRY,
    "待遇资格（门慢门特、重大疾病）",
    {
        "register_chronic": Op("门慢门特病种认定", "ChronicDiseaseQualified", ChronicQualification, _register_chronic),
        "revoke_chronic": Op(
            "门慢门特撤销",
            "ChronicDiseaseQualificationRevoked",
            ChronicRevocation,
            _revoke_chronic,
            checks_missing=True,
        ),
        "change_hospitals": Op(
            "门慢门特定点医院变更",
            "ChronicDiseaseHospitalsChanged",
            HospitalChange,
            _change_hospitals,
            checks_missing=True,
        ),
        "annual_review": Op(
            "门慢门特年审", "ChronicDiseaseAnnuallyReviewed", AnnualReview, _annual_review, checks_missing=True
        ),
        "register_proxy": Op(
            "门慢门特委托书登记", "ChronicDiseaseProxyRegistered", Proxy, _register_proxy, checks_missing=True
        ),
        "reissue_certificate": Op(
            "医疗证补证、换证",
            "MedicalCertificateReissued",
            CertificateReissue,
            _reissue_certificate,
            checks_missing=True,
        ),
        "certify_major_disease": Op(
            "城乡居民重大疾病病种认定", "MajorDiseaseCertified", MajorDisease, _certify_major_disease
        ),
        "flag_for_review": FLAG_FOR_REVIEW,
    },
    frozenset({"register_chronic", "certify_major_disease"}),
)

REGISTRIES = (FILINGS, QUALIFICATIONS)

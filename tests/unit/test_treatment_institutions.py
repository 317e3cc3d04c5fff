"""The institutions area (P063-P071, P081): admission, upkeep, designations and chain groups, with their registries.

Each case walks the example institutions in a fresh application: the hospital H52010200001 贵阳市第一人民医院 (P065's
example) and the pharmacy P52010200001 贵阳大药房云岩店 (P066's). Registry assertions read the entries' state as the
other areas will.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.unit import registry_gwt
from tests.unit.gwt import Scenario, app_class_for, application, staff
from ybj_kernel.domain.documents import available_documents, document_content
from ybj_kernel.domain.process import COMPLETED
from ybj_kernel.domain.rules import run
from ybj_kernel.entrypoints.documents_api import case_view
from ybj_treatment.areas import PROCESSES
from ybj_treatment.registries.institutions import (
    CHAIN_GROUPS,
    EXAMPLE_HOSPITAL,
    EXAMPLE_PHARMACY,
    INSTITUTIONS,
    active_on,
    deposit_ratio_for,
    parameters_on,
    service_open_on,
)
from ybj_treatment.rules.institutions import PARAMETERS, STATEMENTS

TODAY = date(2026, 12, 5)
CLERK, CLERK2 = staff("clerk-1", "registrar"), staff("clerk-2", "registrar")
REVIEWER, REVIEWER2 = staff("rev-1", "first_reviewer"), staff("rev-2", "second_reviewer")
HOSPITAL_APP, VENDOR = staff("h-1", "institution"), staff("yinhai-1", "vendor")
CENTER = staff("center-1", "remote_settlement_center")


def walked(process_id: str, at: str = COMPLETED, variant: str | None = None, *before: str) -> Scenario:
    """A case of `process_id` at `at`, in a fresh application where the processes `before` were walked first."""
    app = application(app_class_for(process_id))
    for needed in before:
        needed_id, _, needed_variant = needed.partition(":")
        Scenario(app, app.definition(needed_id), needed_variant or None).walk_to(COMPLETED)
    scenario = Scenario(app, app.definition(process_id), variant)
    return scenario.walk_to(at) if at else scenario


def opened(process_id: str, variant: str | None = None, *before: str) -> Scenario:
    """A not-yet-opened case of `process_id`, after the processes `before`."""
    return walked(process_id, "", variant, *before)


def institution(s: Scenario, code: str = EXAMPLE_HOSPITAL) -> dict[str, Any]:
    return s.app.get_entry("institution", code).state


def example(process_id: str, stage: str, **changes: Any) -> dict[str, Any]:
    return {**PROCESSES[process_id].stage(stage).example, **changes}


# ---- P065 / P066 admission -------------------------------------------------------------------------------------------


def test_the_admitted_hospital_is_recorded_in_the_agreed_shape() -> None:
    s = walked("P065")
    assert s.history == ["Applied", "Registered", "ReviewApproved", "ProvincialRecordCreated"]
    state = institution(s)
    assert {k: v for k, v in state.items() if k != "info"} == {
        "fixmedins_code": "H52010200001",
        "fixmedins_name": "贵阳市第一人民医院",
        "fixmedins_type": "1",
        "hosp_lv": "01",
        "admdvs": "520102",
        "uscc": "12520100429500123Y",
        "status": "active",
        "status_time": "2026-12-01",
        "services": {t: {"open": True, "exe_time": "2026-12-01"} for t in ("11", "14", "21", "51", "52")},
        "designations": {},
        "parameters": [
            {
                "exe_date": "2026-12-01",
                "dedc_std": 80000,
                "selfpay_prop": "0.15",
                "dpst_prop": "0.05",
                "exe_prd": "202612",
            }
        ],
        "bank": {
            "acct_name": "贵阳市第一人民医院",
            "bank_acct": "52050110360000000001",
            "bank_name": "中国建设银行贵阳分行营业部",
            "bank_code": "105701000015",
        },
        "chain_group": None,
    }
    assert state["info"]["bed_cnt"] == 1000
    assert state["info"]["biz_nat"] == "1"
    assert s.data()["admdvs"] == "520102"


def test_the_admitted_pharmacy_has_no_level_and_no_deductible() -> None:
    state = institution(walked("P066"), EXAMPLE_PHARMACY)
    assert (state["fixmedins_name"], state["fixmedins_type"], state["hosp_lv"], state["admdvs"]) == (
        "贵阳大药房云岩店",
        "2",
        None,
        "520102",
    )
    assert state["services"] == {"41": {"open": True, "exe_time": "2026-12-01"}}
    assert state["parameters"] == [
        {"exe_date": "2026-12-01", "dedc_std": None, "selfpay_prop": None, "dpst_prop": "0.05", "exe_prd": "202612"}
    ]


def test_an_application_without_the_legal_representatives_promise_is_refused() -> None:
    s = opened("P065")
    s.when(HOSPITAL_APP, "create", example("P065", "apply", legrep_promise=False)).then_refused(
        "INVALID_FIELD", "legrep_promise"
    )


def test_the_statements_must_cover_the_three_months_before_the_application() -> None:
    # Applied on 2026-12-05: 202609, 202610 and 202611 are needed; 202611 is missing.
    s = opened("P065")
    s.when(HOSPITAL_APP, "create", example("P065", "apply", stmt_months=["202608", "202609", "202610"])).then_refused(
        "STATEMENTS_INCOMPLETE", "stmt_months"
    )
    out = run(STATEMENTS, {"stmt_months": ["202609", "202610"], "applied_on": "2027-01-10"}, TODAY)
    assert (out["allowed"], out["required_months"], out["missing_months"]) == (
        False,
        ["202610", "202611", "202612"],
        ["202611", "202612"],
    )


def test_the_national_record_refuses_a_code_taken_of_the_wrong_type_or_region() -> None:
    s = walked("P065", "register", None, "P065")  # the example hospital is admitted already
    s.when(CLERK, "register", {"fixmedins_code": EXAMPLE_HOSPITAL}).then_refused("INSTITUTION_EXISTS", "fixmedins_code")
    s.when(CLERK, "register", {"fixmedins_code": "P52010200002"}).then_refused("CODE_TYPE_MISMATCH", "fixmedins_code")
    s.when(CLERK, "register", {"fixmedins_code": "H52011500002"}).then_refused("CODE_ADMDVS_MISMATCH", "fixmedins_code")
    s.when(CLERK, "register", {"fixmedins_code": "H5201020002"}).then_refused("INVALID_FIELD", "fixmedins_code")
    s.when(CLERK, "register", {"fixmedins_code": "h52010200002"}).then(events=["Registered"], stage="review")
    assert s.data()["fixmedins_code"] == "H52010200002"


def test_the_provincial_record_must_name_the_national_one() -> None:
    s = walked("P065", "register_provincial")
    s.when(
        CLERK, "register_provincial", example("P065", "register_provincial", fixmedins_name="贵阳市一院")
    ).then_refused("PROVINCIAL_RECORD_MISMATCH", "fixmedins_name")


def test_a_pharmacy_cannot_open_hospital_categories_at_admission() -> None:
    s = walked("P066", "register_provincial")
    s.when(CLERK, "register_provincial", example("P066", "register_provincial", svc_types=["41", "21"])).then_refused(
        "SERVICE_NOT_FOR_TYPE", "svc_types"
    )


# ---- P063 基本信息修改 (national and provincial) -----------------------------------------------------------------------


def test_a_national_basic_info_change_applies_once_reviewed() -> None:
    s = walked("P063", "basic_info_review", "national_basic_info", "P065")
    assert s.data()["chg_summary"] == ["注册床位数：1000 → 1200"]
    assert institution(s)["info"]["bed_cnt"] == 1000  # nothing changes before the review
    s.when(REVIEWER, "approve").then(events=["ReviewApproved"], stage=COMPLETED)
    assert institution(s)["info"]["bed_cnt"] == 1200


def test_a_provincial_change_of_name_and_level_changes_what_other_areas_read() -> None:
    s = opened("P063", "provincial_basic_info", "P065")
    data = example(
        "P063", "basic_info_entry_provincial", new_fixmedins_name="贵阳市第一人民医院（南院）", new_hosp_lv="02"
    )
    s.when(CLERK, "create", data).then(events=["ChangeSubmitted"], stage="basic_info_review_provincial")
    s.when(REVIEWER, "approve", {"aprv_opnn": "同意"}).then(events=["ReviewApproved"], stage=COMPLETED)
    state = institution(s)
    assert (state["fixmedins_name"], state["hosp_lv"]) == ("贵阳市第一人民医院（南院）", "02")
    assert s.data()["chk_type"] == "服务机构基本信息审核"


def test_a_basic_info_change_that_changes_nothing_or_names_no_hospital_is_refused() -> None:
    s = opened("P063", "national_basic_info", "P065", "P066")
    s.when(CLERK, "create", example("P063", "basic_info_entry", new_bed_cnt=1000)).then_refused(
        "NOTHING_CHANGES", "new_bed_cnt"
    )
    s.when(CLERK, "create", example("P063", "basic_info_entry", fixmedins_code="H52010200099")).then_refused(
        "INSTITUTION_NOT_FOUND", "fixmedins_code"
    )
    s.when(CLERK, "create", example("P063", "basic_info_entry", fixmedins_code=EXAMPLE_PHARMACY)).then_refused(
        "WRONG_INSTITUTION_TYPE", "fixmedins_code"
    )
    s.when(CLERK, "create", example("P063", "basic_info_entry", new_bed_cnt=None)).then_refused("INVALID_FIELD")


def test_the_change_registration_form_prints_before_and_after() -> None:
    s = walked("P063", COMPLETED, "national_basic_info", "P065")
    assert s.case_id is not None
    view = case_view(s.app, s.case_id, "clerk-1")
    (form,) = [d for d in available_documents(PROCESSES["P063"].documents, view) if d.name == "change-registration"]
    rows = dict(document_content(form, view).rows)
    assert rows["机构名称"] == "贵阳市第一人民医院"
    assert rows["变更内容（变更前 → 变更后）"] == "注册床位数：1000 → 1200"
    assert rows["变更时间"] == "2026年12月1日"


# ---- P063 参数: services and effective-dated parameters ------------------------------------------------------------


def test_the_parameter_screens_pause_open_and_append_a_version_with_its_date() -> None:
    s = walked("P063", COMPLETED, "parameters", "P065")
    assert s.history == [
        "ServiceSuspended",
        "ServiceOpened",
        "DepositRatioChanged",
        "DeductibleAndCopayChanged",
        "ReviewApproved",
    ]
    state = institution(s)
    assert state["services"]["52"] == {"open": False, "exe_time": "2027-01-01"}
    assert state["services"]["28"] == {"open": True, "exe_time": "2027-01-01"}
    assert state["parameters"] == [
        {"exe_date": "2026-12-01", "dedc_std": 80000, "selfpay_prop": "0.15", "dpst_prop": "0.05", "exe_prd": "202612"},
        {
            "exe_date": "2027-01-01",
            "dedc_std": 100000,
            "selfpay_prop": "0.20",
            "dpst_prop": "0.06",
            "exe_prd": "202701",
        },
    ]
    # The reimbursement calculation takes the version in force on the visit date; the clearing, that of its 期号.
    assert parameters_on(state, date(2026, 12, 31))["dedc_std"] == 80000  # type: ignore[index]
    assert parameters_on(state, date(2027, 1, 1))["selfpay_prop"] == "0.20"  # type: ignore[index]
    assert parameters_on(state, date(2026, 11, 30)) is None
    assert (deposit_ratio_for(state, "202612"), deposit_ratio_for(state, "202703")) == ("0.05", "0.06")
    # A category paused from 2027-01-01 still serves a visit on 2026-12-31; one opened then does not yet.
    assert service_open_on(state, "52", date(2026, 12, 31))
    assert not service_open_on(state, "52", date(2027, 1, 1))
    assert not service_open_on(state, "28", date(2026, 12, 31))
    assert service_open_on(state, "28", date(2027, 1, 1))


def test_the_parameter_rule_gives_the_figures_a_clerk_checks() -> None:
    out = run(PARAMETERS, PARAMETERS.example, TODAY)
    assert out == {
        "in_force": True,
        "exe_date": "2026-12-01",
        "dedc_std": 80000,
        "dedc_std_yuan": "800.00",
        "selfpay_prop": "0.15",
        "dpst_prop": "0.05",
        "period_dpst_prop": "0.05",
    }
    later = run(PARAMETERS, {**PARAMETERS.example, "on": "2027-01-01"}, TODAY)
    assert (later["dedc_std_yuan"], later["selfpay_prop"]) == ("1000.00", "0.20")
    before = run(PARAMETERS, {**PARAMETERS.example, "on": "2026-11-30", "period": None}, TODAY)
    assert before["in_force"] is False
    assert before["dedc_std"] is None


def test_every_parameter_stage_steps_back_one_at_a_time_and_the_change_is_reverted() -> None:
    """「以上所有操作均支持反向逐级回退」."""
    s = walked("P063", COMPLETED, "parameters", "P065")
    admitted = walked("P065")
    back = [
        (REVIEWER, "param_review"),
        (CLERK, "deductible_copay_change"),
        (CLERK, "deposit_ratio_change"),
        (CLERK, "service_open"),
    ]
    for actor, stage in back:
        s.when(actor, "step_back", comment="录入有误，回退").then(events=["SteppedBack"], stage=stage)
        assert institution(s) == institution(admitted), f"the institution is as admitted at {stage}"
    # The first screen (服务停止) opened the case: it is undone by 撤消, not by 回退.
    s.when(CLERK, "step_back", comment="再回退").then_refused("NOTHING_TO_STEP_BACK")
    # Walked forward again with other figures, the new values apply.
    s.when(CLERK, "service_open", {}).then(events=["ServiceOpened"], stage="deposit_ratio_change")
    s.when(CLERK, "deposit_ratio_change", {}).then(events=["DepositRatioChanged"], stage="deductible_copay_change")
    s.when(CLERK, "deductible_copay_change", {"dedc_std": "900.00", "exe_date": "2027-03-01"}).then(
        events=["DeductibleAndCopayChanged"], stage="param_review"
    )
    s.when(staff("rev-3", "first_reviewer"), "approve", {}).then(events=["ReviewApproved"], stage=COMPLETED)
    state = institution(s)
    assert state["services"]["52"]["open"] is False
    assert "28" not in state["services"]
    assert state["parameters"][-1] == {
        "exe_date": "2027-03-01",
        "dedc_std": 90000,
        "selfpay_prop": "0.15",
        "dpst_prop": "0.05",
        "exe_prd": "202612",
    }


def test_a_completed_change_steps_back_only_after_the_later_ones() -> None:
    s = walked("P063", COMPLETED, "parameters", "P065")
    later = Scenario(s.app, s.app.definition("P063"), "bank_account").walk_to(COMPLETED)
    s.when(REVIEWER, "step_back", comment="回退").then_refused("CHANGED_SINCE", "institution")
    later.when(REVIEWER, "step_back", comment="回退").then(events=["SteppedBack"], stage="bank_account_review")
    s.when(REVIEWER, "step_back", comment="回退").then(events=["SteppedBack"], stage="param_review")
    assert len(institution(s)["parameters"]) == 1


def test_a_paused_category_cannot_be_paused_again() -> None:
    s = walked("P063", COMPLETED, "parameters", "P065")
    again = Scenario(s.app, s.app.definition("P063"), "parameters")
    again.when(CLERK2, "create", example("P063", "service_stop")).then_refused(
        "SERVICE_ALREADY_PAUSED", "paus_svc_types"
    )
    again.when(CLERK2, "create", example("P063", "service_stop", paus_svc_types=["13"])).then_refused(
        "SERVICE_NOT_OPEN", "paus_svc_types"
    )


def test_the_parameter_screens_refuse_what_the_registry_forbids() -> None:
    s = opened("P063", "parameters", "P065")
    s.when(CLERK, "create", {"fixmedins_code": EXAMPLE_HOSPITAL}).then(
        events=["ServiceSuspended"], stage="service_open"
    )
    s.when(CLERK, "service_open", {"open_svc_types": ["9950"], "open_exe_time": "2027-01-01"}).then_refused(
        "MAJOR_DISEASE_SERVICE", "open_svc_types"
    )
    s.when(CLERK, "service_open", {"open_svc_types": ["21"], "open_exe_time": "2027-01-01"}).then_refused(
        "SERVICE_ALREADY_OPEN", "open_svc_types"
    )
    s.when(CLERK, "service_open", {"open_svc_types": ["41"], "open_exe_time": "2027-01-01"}).then_refused(
        "SERVICE_NOT_FOR_TYPE", "open_svc_types"
    )
    s.when(CLERK, "service_open", {"open_svc_types": ["28"]}).then_refused("INVALID_FIELD")
    s.when(CLERK, "service_open", {}).then(events=["ServiceOpened"], stage="deposit_ratio_change")
    s.when(CLERK, "deposit_ratio_change", {"dpst_prop": "0.06", "exe_prd": "202611"}).then_refused(
        "EXE_PRD_BEFORE_LATEST", "exe_prd"
    )
    s.when(CLERK, "deposit_ratio_change", {"dpst_prop": "1.5", "exe_prd": "202701"}).then_refused(
        "INVALID_FIELD", "dpst_prop"
    )
    s.when(CLERK, "deposit_ratio_change", {}).then(events=["DepositRatioChanged"], stage="deductible_copay_change")
    # 执行日期 must not precede the version in force (2026-12-01).
    s.when(CLERK, "deductible_copay_change", {"dedc_std": "900.00", "exe_date": "2026-11-01"}).then_refused(
        "EXE_DATE_BEFORE_LATEST", "exe_date"
    )
    s.when(CLERK, "deductible_copay_change", {"dedc_std": "800.00", "exe_date": "2027-01-01"}).then_refused(
        "NOTHING_CHANGES", "dedc_std"
    )
    # Every screen passed with nothing entered: the case changes nothing.
    s.when(CLERK, "deductible_copay_change", {}).then_refused("NOTHING_CHANGES", "dpst_prop")


def test_a_category_cannot_be_paused_and_opened_in_one_case() -> None:
    s = walked("P063", "service_open", "parameters", "P065")
    s.when(CLERK, "service_open", {"open_svc_types": ["52"], "open_exe_time": "2027-02-01"}).then_refused(
        "PAUSED_AND_OPENED", "open_svc_types"
    )


# ---- P063 医药服务开通/暂停 and 银行账户变更 ----------------------------------------------------------------------------


def test_the_whole_institution_pauses_and_cannot_be_paused_twice_or_designated_meanwhile() -> None:
    s = walked("P063", COMPLETED, "service_toggle", "P065")
    state = institution(s)
    assert (state["status"], state["status_time"]) == ("paused", "2027-01-01")
    assert active_on(state, date(2026, 12, 31))
    assert not active_on(state, date(2027, 1, 1))
    again = Scenario(s.app, s.app.definition("P063"), "service_toggle")
    again.when(CLERK2, "create", example("P063", "service_toggle_entry")).then_refused(
        "INSTITUTION_ALREADY_PAUSED", "toggle"
    )
    designation = Scenario(s.app, s.app.definition("P068"))
    designation.when(CLERK2, "create", example("P068", "register")).then_refused("INSTITUTION_PAUSED", "fixmedins_code")
    reopen = example("P063", "service_toggle_entry", toggle="open", exe_time="2027-02-01")
    again.when(CLERK2, "create", reopen).then(events=["ServiceToggleSubmitted"], stage="service_toggle_review")
    again.when(REVIEWER, "approve").then(events=["ReviewApproved"], stage=COMPLETED)
    assert institution(s)["status"] == "active"


def test_a_bank_account_change_prints_the_form_in_three_copies_and_changes_the_payee_account() -> None:
    s = walked("P063", "bank_account_review", "bank_account", "P065")
    assert s.case_id is not None
    view = case_view(s.app, s.case_id, "clerk-1")
    (form,) = [d for d in available_documents(PROCESSES["P063"].documents, view) if d.name == "bank-account-change"]
    content = document_content(form, view)
    rows = dict(content.rows)
    assert content.title == "贵州省基本医疗保险定点医疗机构资金结算账户信息变动表"
    assert (rows["原开户名称"], rows["变更后银行账号"], rows["开户银行总行行号"]) == (
        "贵阳市第一人民医院",
        "2402000109200012345",
        "102100099996",
    )
    assert content.note is not None
    assert "本表一式三份" in content.note
    s.when(REVIEWER, "approve").then(events=["ReviewApproved"], stage=COMPLETED)
    assert institution(s)["bank"] == {
        "acct_name": "贵阳市第一人民医院",
        "bank_acct": "2402000109200012345",
        "bank_name": "中国工商银行贵阳中华北路支行",
        "bank_code": "102701000131",
        "bank_hq_code": "102100099996",
    }
    same = Scenario(s.app, s.app.definition("P063"), "bank_account")
    same.when(CLERK2, "create", example("P063", "bank_account_entry")).then_refused("NOTHING_CHANGES", "bank_acct")


# ---- P064 pharmacies ---------------------------------------------------------------------------------------------


def test_a_pharmacy_changes_its_deposit_ratio_by_period_and_has_no_deductible_screen() -> None:
    s = walked("P064", COMPLETED, "parameters", "P066")
    assert s.history == ["ServiceSuspended", "ServiceOpened", "DepositRatioChanged", "ReviewApproved"]
    state = institution(s, EXAMPLE_PHARMACY)
    assert state["parameters"][-1] == {
        "exe_date": "2027-01-01",
        "dedc_std": None,
        "selfpay_prop": None,
        "dpst_prop": "0.06",
        "exe_prd": "202701",
    }
    assert "deductible_copay_change" not in {st.key for st in PROCESSES["P064"].stages}


def test_pharmacy_upkeep_refuses_a_hospital_and_a_pharmacy_pauses_its_only_category() -> None:
    s = opened("P064", "parameters", "P065", "P066")
    s.when(CLERK, "create", {"fixmedins_code": EXAMPLE_HOSPITAL}).then_refused(
        "WRONG_INSTITUTION_TYPE", "fixmedins_code"
    )
    data = {"fixmedins_code": EXAMPLE_PHARMACY, "paus_svc_types": ["41"], "paus_exe_time": "2027-01-01"}
    s.when(CLERK, "create", data).then(events=["ServiceSuspended"], stage="service_open")
    s.when(CLERK, "service_open", {"open_svc_types": ["11"], "open_exe_time": "2027-01-01"}).then_refused(
        "SERVICE_NOT_FOR_TYPE", "open_svc_types"
    )


# ---- P067-P071 designations ---------------------------------------------------------------------------------------


def test_remote_care_is_opened_for_every_listed_institution() -> None:
    s = walked("P067", COMPLETED, None, "P065", "P066")
    for code in (EXAMPLE_HOSPITAL, EXAMPLE_PHARMACY):
        assert institution(s, code)["designations"]["remote_care"] == {
            "begndate": "2026-12-01",
            "scope": ["省内异地", "省外异地"],
            "letter_no": "黔医保经函〔2026〕12号",
        }


def test_remote_care_for_an_institution_not_admitted_is_refused_naming_it() -> None:
    s = opened("P067", None, "P065")
    s.when(CLERK, "create", example("P067", "send_institution_list")).then(
        events=["InstitutionListSent"], stage="activate_remote_care"
    )
    s.when(CENTER, "activate_remote_care", {"begndate": "2026-12-01"}).then_refused(
        "INSTITUTION_NOT_FOUND", "fixmedins_code"
    )
    assert "remote_care" not in institution(s)["designations"]  # nothing half-done


def test_a_major_disease_hospital_gets_its_designation_and_category_only_after_matching() -> None:
    s = walked("P068", "open_benefits", None, "P065")
    assert s.data()["chk_type"] == "定点服务类别审核"
    assert institution(s)["designations"] == {}
    s.when(VENDOR, "open_benefits", {"doc_no": "黔医保发〔2026〕30号"}).then(
        events=["BenefitsMatched"], stage=COMPLETED
    )
    state = institution(s)
    assert state["designations"]["major_disease"] == {
        "begndate": "2026-12-01",
        "diseases": ["儿童急性白血病", "终末期肾病"],
        "doc_no": "黔医保发〔2026〕30号",
    }
    assert state["services"]["9950"] == {"open": True, "exe_time": "2026-12-01"}
    again = Scenario(s.app, s.app.definition("P068"))
    again.when(CLERK2, "create", example("P068", "register")).then_refused("ALREADY_DESIGNATED", "fixmedins_code")


def test_hospital_only_designations_refuse_a_pharmacy() -> None:
    s = opened("P068", None, "P066")
    s.when(CLERK, "create", example("P068", "register", fixmedins_code=EXAMPLE_PHARMACY)).then_refused(
        "WRONG_INSTITUTION_TYPE", "fixmedins_code"
    )
    pharmacy = registry_gwt.given(INSTITUTIONS, EXAMPLE_PHARMACY, ("admit", _admission(EXAMPLE_PHARMACY, "2", ["41"])))
    pharmacy.when("designate", {"kind": "public_reform", "begndate": "2026-12-01"}).then_refused(
        "HOSPITAL_ONLY_DESIGNATION", "fixmedins_code"
    )
    pharmacy.when("designate", {"kind": "remote_care", "begndate": "2026-12-01"}).then(["InstitutionDesignated"])


def test_a_special_drug_hospital_with_pharmacy_linking_marks_the_linked_pharmacy() -> None:
    """「选择是，则开通医院特殊药品用药资格的同时开通与特药药店联网功能」."""
    s = opened("P069", "link", "P065", "P066")
    data = example("P069", "register", rx_pharmacy_code=EXAMPLE_PHARMACY)
    s.when(CLERK, "create", data).then(events=["Registered"], stage=COMPLETED)
    assert institution(s)["designations"]["special_drug"] == {
        "begndate": "2026-12-01",
        "rx_pharmacy_link": True,
        "rx_pharmacies": [EXAMPLE_PHARMACY],
    }
    assert institution(s, EXAMPLE_PHARMACY)["designations"]["special_drug"] == {
        "begndate": "2026-12-01",
        "linked_hospitals": [EXAMPLE_HOSPITAL],
    }


def test_a_special_drug_hospital_without_linking_names_no_pharmacy() -> None:
    """「选择否，则只开通医院特殊药品用药资格」."""
    s = walked("P069", COMPLETED, "no_link", "P065")
    assert institution(s)["designations"]["special_drug"] == {
        "begndate": "2026-12-01",
        "rx_pharmacy_link": False,
        "rx_pharmacies": [],
    }
    other = opened("P069", "no_link", "P065", "P066")
    data = example("P069", "register", rx_pharmacy_code=EXAMPLE_PHARMACY)
    other.when(CLERK, "create", data).then_refused("NO_LINK_NO_PHARMACY", "rx_pharmacy_code")
    linked = opened("P069", "link", "P065")
    linked.when(CLERK, "create", example("P069", "register", rx_pharmacy_code="P52010200077")).then_refused(
        "INSTITUTION_NOT_FOUND", "rx_pharmacy_code"
    )


def test_a_chronic_disease_designation_checks_the_form_against_the_register() -> None:
    s = opened("P070", None, "P065")
    s.when(HOSPITAL_APP, "create", example("P070", "apply", hosp_lv="02")).then_refused("HOSP_LV_MISMATCH", "hosp_lv")
    s.when(HOSPITAL_APP, "create", example("P070", "apply", fixmedins_name="贵阳一院")).then_refused(
        "NAME_MISMATCH", "fixmedins_name"
    )
    s.when(HOSPITAL_APP, "create", example("P070", "apply")).then(events=["Applied"], stage="activate")
    s.when(VENDOR, "activate", {"begndate": "2026-12-01"}).then(events=["DesignationActivated"], stage=COMPLETED)
    assert institution(s)["designations"]["chronic_disease"]["begndate"] == "2026-12-01"


def test_a_public_reform_designation_follows_the_vendors_matching_and_steps_back() -> None:
    s = walked("P071", COMPLETED, None, "P065")
    assert institution(s)["designations"]["public_reform"] == {
        "begndate": "2026-12-01",
        "doc_no": "筑医改办〔2026〕5号",
    }
    s.when(VENDOR, "step_back", comment="匹配有误").then(events=["SteppedBack"], stage="catalogue_matching")
    assert "public_reform" not in institution(s)["designations"]


# ---- P081 chain groups --------------------------------------------------------------------------------------------


def test_a_group_is_created_and_a_member_bound_after_both_reviews() -> None:
    s = walked("P081", COMPLETED, "bind", "P066", "P081:create_group")
    assert s.history == ["Applied", "MemberBound", "FirstReviewApproved", "SecondReviewApproved"]
    group = s.app.get_entry("chain_group", "LS52010200001").state
    assert (group["chain_name"], group["admdvs"], group["crte_date"]) == (
        "贵阳大药房医药连锁有限公司",
        "520102",
        "2026-12-05",
    )
    assert group["members"] == {EXAMPLE_PHARMACY: {"fixmedins_name": "贵阳大药房云岩店", "bind_date": "2026-12-05"}}
    assert institution(s, EXAMPLE_PHARMACY)["chain_group"] == "LS52010200001"
    assert s.case_id is not None
    view = case_view(s.app, s.case_id, "clerk-1")
    rows = dict(document_content(PROCESSES["P081"].documents[0], view).rows)
    assert (rows["变更类型"], rows["二级机构编码"], rows["经办时间"]) == (
        "二级医药机构绑定",
        EXAMPLE_PHARMACY,
        "2026年12月5日",
    )


def test_a_member_bound_to_one_group_cannot_be_bound_to_another() -> None:
    s = walked("P081", COMPLETED, "bind", "P066", "P081:create_group")
    other = {"chain_code": "LS52010200002", "chain_name": "贵州一树连锁药业有限公司"}
    create = Scenario(s.app, s.app.definition("P081"), "create_group")
    create.when(HOSPITAL_APP, "create", example("P081", "apply", **other)).then(
        events=["Applied"], stage="create_group"
    )
    create.walk_to(COMPLETED)
    bind = Scenario(s.app, s.app.definition("P081"), "bind")
    bind.when(HOSPITAL_APP, "create", example("P081", "apply", **other)).then(events=["Applied"], stage="bind")
    bind.when(CLERK, "bind", example("P081", "bind")).then_refused("BOUND_TO_ANOTHER_GROUP", "fixmedins_code")


def test_a_member_is_unbound_and_an_unknown_group_or_a_non_member_is_refused() -> None:
    s = walked("P081", COMPLETED, "unbind", "P066", "P081:create_group", "P081:bind")
    assert institution(s, EXAMPLE_PHARMACY)["chain_group"] is None
    assert s.app.get_entry("chain_group", "LS52010200001").state["members"] == {}
    again = Scenario(s.app, s.app.definition("P081"), "unbind")
    again.walk_to("unbind")
    again.when(CLERK, "unbind", example("P081", "unbind")).then_refused("NOT_A_MEMBER", "fixmedins_code")
    nowhere = Scenario(s.app, s.app.definition("P081"), "bind")
    nowhere.when(HOSPITAL_APP, "create", example("P081", "apply", chain_code="L9")).then_refused(
        "INVALID_FIELD", "chain_code"
    )
    nowhere.when(HOSPITAL_APP, "create", example("P081", "apply", chain_code="LS52010200999")).then(
        events=["Applied"], stage="bind"
    )
    nowhere.when(CLERK, "bind", example("P081", "bind")).then_refused("CHAIN_GROUP_NOT_FOUND", "chain_code")


def test_a_group_cannot_be_created_twice() -> None:
    s = walked("P081", COMPLETED, "create_group")
    again = Scenario(s.app, s.app.definition("P081"), "create_group")
    again.walk_to("create_group")
    again.when(CLERK, "create_group", example("P081", "create_group")).then_refused("CHAIN_GROUP_EXISTS", "chain_code")


# ---- the registries' own invariants ----------------------------------------------------------------------------------


def _admission(code: str, kind: str, svc_types: list[str], **more: Any) -> dict[str, Any]:
    return {
        "fixmedins_code": code,
        "fixmedins_name": "示例机构",
        "fixmedins_type": kind,
        "admdvs": "520102",
        "uscc": "91520102MA6HC5WX2P",
        "begndate": "2026-12-01",
        "svc_types": svc_types,
        "bank": {"acct_name": "示例机构", "bank_acct": "123456789"},
        "dpst_prop": "0.05",
        **more,
    }


def test_the_institution_registry_keeps_its_invariants() -> None:
    hospital = registry_gwt.given(
        INSTITUTIONS, "H52010200002", ("admit", _admission("H52010200002", "1", ["11"], hosp_lv="02"))
    )
    hospital.when("admit", _admission("H52010200002", "1", ["11"], hosp_lv="02")).then_refused("INSTITUTION_EXISTS")
    hospital.when("add_parameters", {"exe_date": "2026-11-30", "dedc_std": 50000}).then_refused(
        "EXE_DATE_BEFORE_LATEST", "exe_date"
    )
    hospital.when("add_parameters", {"exe_date": "2027-01-01", "dpst_prop": "0.06"}).then_refused("INVALID_FIELD")
    hospital.when("add_parameters", {"exe_date": "2027-01-01", "dedc_std": 50000}).then(["InstitutionParameterChanged"])
    assert hospital.state["parameters"][-1] == {
        "exe_date": "2027-01-01",
        "dedc_std": 50000,
        "selfpay_prop": None,
        "dpst_prop": "0.05",
        "exe_prd": "202612",
    }
    hospital.when("join_chain", {"chain_group": "LS0001"}).then(["ChainJoined"])
    hospital.when("join_chain", {"chain_group": "LS0002"}).then_refused("BOUND_TO_ANOTHER_GROUP", "fixmedins_code")
    hospital.when("leave_chain", {"chain_group": "LS0002"}).then_refused("NOT_A_MEMBER", "fixmedins_code")
    hospital.when_reverted("case-5").then_refused("CHANGED_SINCE")

    pharmacy = registry_gwt.given(INSTITUTIONS, "P52010200002")
    pharmacy.when("admit", _admission("P52010200002", "2", ["41"], hosp_lv="01")).then_refused("HOSP_LV_FOR_HOSPITALS")
    pharmacy.when("admit", _admission("P52010200002", "1", ["11"], hosp_lv="01")).then_refused("CODE_TYPE_MISMATCH")
    pharmacy.when("admit", _admission("P52010200002", "2", ["41"], dedc_std=1)).then_refused(
        "PHARMACY_HAS_NO_DEDUCTIBLE"
    )
    pharmacy.when("admit", _admission("P52010200002", "2", ["41"])).then(["InstitutionAdmitted"])
    pharmacy.when("add_parameters", {"exe_date": "2027-01-01", "selfpay_prop": "0.1"}).then_refused(
        "PHARMACY_HAS_NO_DEDUCTIBLE", "dedc_std"
    )
    pharmacy.when("link_rx_pharmacy", {"hospital_code": "H52010200002", "begndate": "2026-12-01"}).then(
        ["RxPharmacyLinked"]
    )
    pharmacy.when("link_rx_pharmacy", {"hospital_code": "H52010200002", "begndate": "2026-12-01"}).then_refused(
        "ALREADY_LINKED", "rx_pharmacy_code"
    )

    missing = registry_gwt.given(INSTITUTIONS, "H52010200003")
    missing.when("designate", {"kind": "remote_care", "begndate": "2026-12-01"}).then_refused(
        "INSTITUTION_NOT_FOUND", "fixmedins_code", status=404
    )


def test_the_chain_group_registry_keeps_one_membership_per_member() -> None:
    group = {"chain_code": "LS0001", "chain_name": "示例连锁", "admdvs": "520102", "crte_date": "2026-12-05"}
    chain = registry_gwt.given(CHAIN_GROUPS, "LS0001", ("create", group))
    member = {"fixmedins_code": EXAMPLE_PHARMACY, "on": "2026-12-05"}
    chain.when("bind", member).then(["ChainMemberBound"])
    chain.when("bind", member).then_refused("ALREADY_MEMBER", "fixmedins_code")
    chain.when("unbind", {**member, "fixmedins_code": "P52010200009"}).then_refused("NOT_A_MEMBER", "fixmedins_code")
    chain.when("create", group).then_refused("CHAIN_GROUP_EXISTS", "chain_code")


@pytest.mark.parametrize("process_id", ["P063", "P064", "P067", "P068", "P069", "P070", "P071"])
def test_every_upkeep_and_designation_example_needs_the_admission_walked_first(process_id: str) -> None:
    p = PROCESSES[process_id]
    s = opened(process_id)
    opening = p.opening(None)
    actor = staff("x-1", opening.roles[0])
    if process_id == "P067":  # a list: each institution is checked as the remote-care centre opens them
        s.when(actor, "create", dict(opening.example)).then(events=[opening.event], stage="activate_remote_care")
        last = p.stage("activate_remote_care")
        s.when(CENTER, last.action, dict(last.example)).then_refused("INSTITUTION_NOT_FOUND", "fixmedins_code")
    else:
        s.when(actor, "create", dict(opening.example)).then_refused("INSTITUTION_NOT_FOUND", "fixmedins_code")

"""The fields an H5 page asks a citizen for, per item: the business keys of the item's example call (items.served.Served)
without the person's identifiers (the session supplies those), each with a Chinese label and an input type.

The gateway does not know the input schemas of the processes an application item opens (they belong to the domain
services); the example call is the one description of an item's business data it holds, so it is the form's source.
The labels follow the processes' own field descriptions; a key whose meaning differs by item has its label per item.
The form is a help, not a check: the item (and the process behind it) validates what is sent and names the field it
refuses, which the page shows beside that field.

The answers' keys have their labels in h5_labels.yaml beside this module (ANSWER_LABELS), which the result page shows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any, Literal

import yaml

FieldType = Literal["text", "date", "number", "boolean", "list", "json"]
# The person's identifiers: never asked, always the session's.
IDENTIFIERS = ("psn_cert_type", "certno", "psn_name")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")

LABELS: dict[str, str] = {
    "acceptance_no": "受理号",
    "acct_name": "开户名称",
    "action": "操作（bind 共济绑定，unbind 解除绑定）",
    "add_fixmedins_codes": "新增的医院（定点医药机构编号）",
    "addr": "地址",
    "admdvs": "参保地医保区划",
    "admin_region": "所属行政区",
    "agent_name": "代办人姓名（本人申请不填）",
    "agent_rlts": "代办人与申请人关系",
    "aply_name": "申请人姓名",
    "avg_wage": "用人单位上年度职工月平均工资（元）",
    "balc": "个人账户余额（元）",
    "bank_acct": "银行账号",
    "bank_code": "开户银行行号",
    "bank_name": "开户银行",
    "bed_cnt": "注册床位数",
    "begndate": "开始日期",
    "birth_date": "生育（流产）日期",
    "biz_area": "营业面积（平方米）",
    "biz_nat": "经营性质（1 非营利性，2 营利性）",
    "biz_scp": "经营认证范围",
    "brdy": "出生日期",
    "care_inst_code": "意向照护机构编号",
    "care_mode": "照护方式（home 居家上门，institution 机构住养）",
    "care_needs": "照护需求（失能状况、需要哪些帮助）",
    "cert_date": "发证日期",
    "chain_flag": "是否连锁企业",
    "chg_date": "变更日期",
    "clct_grade": "缴费档次",
    "clct_way": "征收方式",
    "clct_year": "缴费年度",
    "clerk_cnt": "营业员总人数",
    "code": "编码",
    "contact_name": "联系人",
    "dcla_date": "申报日期",
    "decl_wage": "申报工资（元）",
    "dereg_date": "注销日期",
    "dereg_rea": "注销原因",
    "diag_code": "疾病诊断编码",
    "diag_name": "疾病诊断名称",
    "dise_name": "诊断",
    "doc_cnt": "医师总人数",
    "drug_lic_date": "药品经营许可证发证日期",
    "drug_lic_no": "药品经营许可证号",
    "dscg_date": "近期出院记录（检查、化验报告）日期",
    "emp_fom": "用工形式",
    "emp_mgt_type": "单位管理类型",
    "emp_name": "单位名称",
    "emp_no": "单位编号",
    "emp_type": "单位类型",
    "enddate": "结束日期",
    "fir_work_date": "首次参工日期",
    "fixmedins_code": "定点医药机构编号",
    "fixmedins_codes": "选定医院（定点医药机构编号，可多个）",
    "fixmedins_name": "机构名称",
    "founded_on": "单位成立日期",
    "fst_insu_ym": "首次参保年月（YYYYMM）",
    "gend": "性别（1 男，2 女）",
    "hi_rxno": "医保处方编号",
    "hifmi_pay": "居民大病保险资金支出（元）",
    "hifp_pay": "统筹基金支出（元）",
    "hired_on": "录用日期",
    "hosp_lv": "医疗机构级别（01 三级，02 二级，03 一级）",
    "ide_dr_name": "审核医师姓名",
    "ide_dr_title": "审核医师职称（副主任及以上）",
    "ide_fixmedins_no": "认定定点医药机构编号",
    "in_admdvs": "转入地医保区划",
    "inscp_scp_amt": "符合政策范围金额（元）",
    "insutypes": "参保险种",
    "intr_begndate": "起息日期",
    "invest_info": "调查核实情况",
    "invoice_no": "医院收费票据号码",
    "jun_cnt": "初级职称人数",
    "keyword": "关键字",
    "legrep_certno": "法定代表人身份证号码",
    "legrep_mob": "法定代表人移动电话",
    "legrep_name": "法定代表人姓名",
    "legrep_promise": "法定代表人承诺所提供的资料真实有效",
    "lines": "费用明细",
    "mat_types": "材料类型（已拍摄上传）",
    "max_acct_prd": "最大做账期号（YYYYMM）",
    "mdtrtarea_admdvs": "就医地医保区划",
    "med_type": "医疗类别（11 普通门诊，21 普通住院）",
    "medfee_sumamt": "医疗费总额（元）",
    "medins_type": "医疗机构类别（如综合医院）",
    "mid_cnt": "中级职称人数",
    "name": "名称",
    "naty": "民族（01 汉族 …）",
    "new_psn_name": "变更后的姓名",
    "ntwk_addr": "网络地址（如 01 政务大厅）",
    "nurs_cnt": "护士总人数",
    "on": "日期",
    "oprn_oprt_code": "手术操作代码",
    "oprn_oprt_name": "手术操作名称",
    "opsp_dise_code": "病种代码",
    "opsp_dise_codes": "病种代码（可多个）",
    "opsp_dise_name": "病种名称",
    "opsp_type": "病种类型（1 门诊慢性病，2 门诊特殊病）",
    "out_admdvs": "转出地医保区划",
    "paus_date": "暂停日期",
    "paus_rea": "暂停原因",
    "pay_order_type": "支付顺序（1 先本人账户，2 先共济账户）",
    "phar_cnt": "药师总人数",
    "pharm_cert_no": "执业药师证书编号",
    "pharm_name": "执业药师姓名",
    "psn_clct_amt": "个人缴费金额（元）",
    "psn_idet_type": "身份属性",
    "psn_type": "人员类别",
    "pub_hosp_flag": "是否公立医院",
    "reason": "原因",
    "reflin_medins_no": "转往医药机构编号",
    "remove_fixmedins_codes": "删除的医院（定点医药机构编号）",
    "resettle_addr": "安置地地址",
    "resettle_admdvs": "安置地医保区划",
    "resu_date": "续保日期",
    "resu_rea": "续保原因",
    "retr_date": "离退休时间",
    "retr_type": "离退休类型",
    "retr_wage": "离退休工资（元）",
    "rlts": "与授权人关系（1 配偶，2 父母，3 子女）",
    "senr_cnt": "高级职称人数",
    "setl_date": "结算日期",
    "setl_id": "结算 ID（非定点医疗机构填发票号码）",
    "stmt_months": "经营状况报表所属年月（YYYYMM，可多个）",
    "stop_date": "终止日期",
    "stop_rea": "终止原因",
    "tech_cnt": "技师总人数",
    "tel": "联系电话",
    "trans_dir": "转移方向（1 转出，2 转入）",
    "trt_dr_name": "经治医师",
    "uscc": "统一社会信用代码",
    "uscc_date": "营业执照发证日期",
    "user_certno": "使用人证件号码",
    "user_name": "使用人姓名",
    "wage": "缴费工资（元/月）",
    "wdrw_rea": "支取原因（1 死亡，2 工作调动）",
    "year": "年度",
}
# A key whose meaning the item gives: (item, key) -> label.
ITEM_LABELS: dict[tuple[int, str], str] = {
    (21, "reason"): "取消原因",
    (22, "reason"): "取消原因",
    (23, "reason"): "取消原因",
    (24, "reason"): "取消原因",
    (107, "reason"): "撤销原因",
    (43, "begndate"): "就诊日期",
    (44, "begndate"): "就诊日期",
    (45, "begndate"): "入院日期",
    (45, "enddate"): "出院日期",
    (105, "begndate"): "入院日期",
    (105, "enddate"): "出院日期",
    (57, "admdvs"): "医保区划",
    (79, "admdvs"): "医保区划",
    (63, "name"): "药品或耗材名称",
    (100, "name"): "药品或耗材名称",
    (101, "code"): "药品耗材编码",
    (103, "code"): "药品耗材编码",
    (103, "on"): "查询日期",
    (102, "keyword"): "政策文件标题关键字",
}


def field_type(example: Any) -> FieldType:
    """The input an example value calls for: a date, a number, a switch, a list of texts, structured data, or text."""
    if isinstance(example, bool):
        return "boolean"
    if isinstance(example, int | float):
        return "number"
    if isinstance(example, list):
        return "list" if all(isinstance(v, str) for v in example) else "json"
    if isinstance(example, dict):
        return "json"
    return "date" if isinstance(example, str) and _DATE.match(example) else "text"


def _shown(example: Any, kind: FieldType) -> str | None:
    """The example value as a hint, unless it is a sandbox placeholder (${person.certno}, ${answer:20.…})."""
    text = (
        json.dumps(example, ensure_ascii=False)
        if kind == "json"
        else ("，".join(map(str, example)) if isinstance(example, list) else str(example))
    )
    return None if _PLACEHOLDER.search(text) else text


def h5_fields(no: int, example: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The fields of item `no` as its H5 form shows them: key, Chinese label, input type, an example value when the
    example holds a real one."""
    fields: list[dict[str, Any]] = []
    for key, value in example.items():
        if key in IDENTIFIERS:
            continue
        kind = field_type(value)
        described: dict[str, Any] = {"key": key, "label_zh": ITEM_LABELS.get((no, key)) or LABELS.get(key, key)}
        described["type"] = kind
        if (shown := _shown(value, kind)) is not None:
            described["example"] = shown
        fields.append(described)
    return fields


def load_answer_labels(name: str = "h5_labels.yaml") -> MappingProxyType[str, str]:
    """The answers' labels beside this module: `labels: {key: label}`, every key and label a string."""
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    labels = (yaml.safe_load(text) or {}).get("labels")
    if not isinstance(labels, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in labels.items()):
        raise ValueError(f"{name}: `labels` must map each key (a string) to its label")
    return MappingProxyType(dict(sorted(labels.items())))


ANSWER_LABELS = load_answer_labels()

"""A demo channel for `make run`: 示例便民服务渠道 (test environment), admitted through P092 at the public entry point like
any channel, its key file written to the run dir so that the example script can call the gateway at once.

The application is example data (a fictitious system, calling from this machine); the private key is the one the
platform generated at 配置 and showed once, kept only in `<run dir>/keys/demo-channel.json` (mode 600).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ybj_dev.demo import Seeder

SYSTEM_ID = "ybjdemo"
APP_ID = f"ch_{SYSTEM_ID}"
APPLICANT = ("gy-app-01", "applicant")
CITY, CITY_2 = ("gy-city-01", "municipal_bureau"), ("gy-city-02", "municipal_bureau")
PROVINCE, PROVINCE_2 = ("gz-prov-01", "provincial_bureau"), ("gz-prov-02", "provincial_bureau")
APPLICATION = {  # 示例
    "applicant_org": "贵阳市医疗保障局（示例）",
    "applied_on": "2026-12-01",
    "contact_name": "王示例",
    "contact_tel": "0851-28888888",
    "system_name": "示例便民服务渠道",
    "system_id": SYSTEM_ID,
    "system_type": "小程序",
    "call_environment": "测试",
    "role": "申请方",
    "network_zone": "互联网区",
    "system_ips": ["127.0.0.1"],
    "access_path": "https://demo.example.cn/ybj",
    "usage_scenario": "在测试环境（沙箱）对接全部便民服务事项（示例）",
    "interfaces": list(range(1, 115)),  # every item: the test environment serves the sandbox only
    "h5_pages": list(range(1, 115)),  # every item's H5 page too
    "admdvs": "520100",
    "demand_category": "基础资及权限申请",
    "demand_description": "申请接入便民服务集成平台，在测试环境开通全部 114 项便民服务接口（示例）",
}


def demo_channel(s: Seeder, key_dir: Path, *, system_id: str = SYSTEM_ID, quota_per_minute: int = 600) -> Path:
    """The demo channel's key file, admitting the channel first when there is none yet.

    Another `system_id` admits another channel of the same application (a test's, the bench's with a higher quota);
    its key file is `<system_id>-channel.json`."""
    demo = system_id == SYSTEM_ID
    path = key_dir / ("demo-channel.json" if demo else f"{system_id}-channel.json")
    if path.exists():
        return path
    steps: list[tuple[tuple[str, str], str, dict[str, Any], str | None]] = [
        (CITY, "approve", {"municipal_opinion": "同意接入（示例）", "seal_affixed": True}, None),
        (CITY, "submit_ticket", {"ticket_no": "GD-DEMO-0001"}, None),
        (PROVINCE, "approve", {"provincial_opinion": "同意，先开通测试环境（示例）"}, None),
    ]
    application = {**APPLICATION, "system_id": system_id}
    ack = s.case("p092-demo" if demo else f"p092-{system_id}", "P092", APPLICANT, application, steps, "third_party")
    if ack["stage"] != "provision_channel":
        raise RuntimeError(
            f"the demo channel's P092 case is at {ack['stage']}, not 配置: delete the run dir's database"
        )
    notice = s.post(
        f"/api/v1/gateway/cases/{ack['case_id']}/provision",
        {"expected_version": ack["version"], "data": {"quota_per_minute": quota_per_minute}, "generate_key_pair": True},
        PROVINCE_2,
        {},
    )
    version = notice["version"]
    for who, action, data in (
        (PROVINCE, "deliver_credentials", {"delivered_to": "市（州）医保局"}),
        (CITY_2, "guide_development", {"guide_contact": "李指导（示例）"}),
    ):
        body = {"action": action, "expected_version": version, "data": data, "comment": None}
        version = s.post(f"/api/v1/cases/{ack['case_id']}/actions", body, who, {})["version"]
    keys = {k: notice[k] for k in ("app_id", "private_key", "public_key", "sm4_key", "platform_public_key")}
    path.write_text(json.dumps(keys, indent=2) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path

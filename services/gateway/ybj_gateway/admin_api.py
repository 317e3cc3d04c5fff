"""The bureau's routes on the gateway (bearer tokens, like every staff route): provisioning and key rotation that
generate the channel's key pair, the channel's credentials (账号信息), and the access log.

A generated private key is shown once: it exists in the answer to the request that made it and nowhere else (the case
and the channel entry record only the public key). The SM4 key is not kept either: it is derived again whenever it
is needed (credentials.py), so the credentials route can hand it to the provincial bureau for the 工单 feedback.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from ybj_channel.keys import new_sm2_keypair
from ybj_gateway.processes.p092_convenience_service_channel_access import P092
from ybj_gateway.registries.channels import CHANNEL, SIGN_RULE, TEST, key_id_of
from ybj_kernel.application import CaseAck, CaseApplication
from ybj_kernel.domain.case import Case
from ybj_kernel.domain.engine import Command
from ybj_kernel.domain.identity import admdvs_covers
from ybj_kernel.domain.roles import STAFF_ROLES
from ybj_kernel.entrypoints.http_common import CurrentActor
from ybj_kernel.errors import Conflict, Forbidden, NotFound
from ybj_kernel.sm2 import SM2Key

ONCE_ZH = "私钥仅在本次应答中出示一次，平台不保存；请立即妥善保存，遗失只能轮换密钥"
ONCE_EN = "the private key is shown in this answer only and kept nowhere on the platform; store it now (lost: rotate)"
CREDENTIAL_ROLES = frozenset({"provincial_bureau"})
LOG_ROLES = STAFF_ROLES | {"oversight", "provincial_bureau"}
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "未登录 / no valid token"},
    403: {"description": "无权操作 / not allowed"},
    404: {"description": "案件不存在 / no such case"},
    409: {"description": "与案件状态冲突 / conflicts with the case"},
    422: {"description": "输入有误 / invalid input"},
}


class ProvisionStep(BaseModel):
    """配置 (P092 provision_channel) through the gateway: the step's data, and whether to generate the key pair."""

    expected_version: int = Field(ge=1)
    comment: str | None = Field(default=None, max_length=2000)
    data: dict[str, Any] = Field(default_factory=dict, description="配置 input (see GET /api/v1/processes)")
    generate_key_pair: bool = Field(default=False, description="生成渠道 SM2 密钥对（私钥只在本应答中出示一次）")


class RotationStep(BaseModel):
    """密钥轮换 (P092 rotate_key) through the gateway: `overlap_until` and a new public key, or a generated pair."""

    expected_version: int = Field(ge=1)
    comment: str | None = Field(default=None, max_length=2000)
    data: dict[str, Any] = Field(default_factory=dict, description="overlap_until, and new_public_key unless generated")
    generate_key_pair: bool = False


# The access log's latest records (adapters/access_log_pg.py PostgresAccessLog.recent).
RecentAccess = Callable[..., list[dict[str, Any]]]


def admin_router(
    app: CaseApplication,
    sm4_key_of: Callable[[str, str], bytes],
    platform: SM2Key,
    recent_access: RecentAccess | None,
) -> APIRouter:
    """POST …/provision, POST …/rotate-key, GET …/credentials of a P092 case; GET /api/v1/gateway/access-log."""
    router = APIRouter(tags=["gateway 便民服务接入"])

    def notice(app_id: str, public_key: str, private_key: str | None) -> dict[str, Any]:
        """开通通知: what the channel needs, as the SDK's key file holds it (private_key only when generated)."""
        key_id = key_id_of(public_key)
        given: dict[str, Any] = {
            "app_id": app_id,
            "public_key": public_key,
            "key_id": key_id,
            "sm4_key": sm4_key_of(app_id, key_id).hex(),
            "platform_public_key": platform.public_hex,
            "sign_rule": dict(SIGN_RULE),
        }
        if private_key is not None:
            given |= {"private_key": private_key, "notice_zh": ONCE_ZH, "notice_en": ONCE_EN}
        return given

    @router.post("/api/v1/gateway/cases/{case_id}/provision", responses=ERRORS)
    def provision(case_id: UUID, body: ProvisionStep, who: CurrentActor) -> dict[str, Any]:
        """配置 a P092 case (the provision_channel step); with `generate_key_pair` the platform makes the channel's SM2
        key pair and answers with its private key, once. The answer is the channel's 开通通知 (app_id, keys, SM4 key,
        the platform's public key, the signing rule)."""
        case = _p092_case(app, case_id)
        data = dict(body.data)
        private_key = None
        if body.generate_key_pair:
            if data.get("public_key") or case.data.get("public_key"):
                raise Conflict(
                    "PUBLIC_KEY_GIVEN",
                    "已提交渠道公钥，不能再生成密钥对",
                    "a public key is already given: no key pair is generated",
                    "generate_key_pair",
                )
            private_key, data["public_key"] = new_sm2_keypair()
        ack = app.act(case_id, who, Command("provision_channel", body.expected_version, body.comment, data))
        done = app.get_case(case_id).data
        return {**_ack(ack), "environment": TEST, **notice(done["app_id"], done["public_key"], private_key)}

    @router.post("/api/v1/gateway/cases/{case_id}/rotate-key", responses=ERRORS)
    def rotate_key(case_id: UUID, body: RotationStep, who: CurrentActor) -> dict[str, Any]:
        """密钥轮换 of the channel of a completed P092 case; with `generate_key_pair` the new private key is in the answer,
        once. The current key keeps verifying until `overlap_until`."""
        case = _p092_case(app, case_id)
        data = dict(body.data)
        private_key = None
        if body.generate_key_pair:
            if data.get("new_public_key"):
                raise Conflict(
                    "PUBLIC_KEY_GIVEN",
                    "已提交新公钥，不能再生成密钥对",
                    "a new public key is given: no key pair is generated",
                    "generate_key_pair",
                )
            private_key, data["new_public_key"] = new_sm2_keypair()
        ack = app.act(case_id, who, Command("rotate_key", body.expected_version, body.comment, data))
        app_id = str(case.data["app_id"])
        new_key = app.get_entry(CHANNEL, app_id).state["keys"][-1]["public_key"]
        return {**_ack(ack), **notice(app_id, new_key, private_key)}

    @router.get("/api/v1/gateway/cases/{case_id}/credentials", responses=ERRORS)
    def credentials(case_id: UUID, who: CurrentActor) -> dict[str, Any]:
        """账号信息 of the channel a P092 case configured (for the 工单 feedback): its app_id, environment, every key with
        its validity and SM4 key, the platform's public key and the signing rule. The provincial bureau only."""
        case = _p092_case(app, case_id)
        if not set(who.roles) & CREDENTIAL_ROLES or not admdvs_covers(who.admdvs, case.admdvs):
            raise Forbidden("WRONG_ROLE", "账号信息只对省局出示", "credentials are shown to the provincial bureau only")
        if "app_id" not in case.data:
            raise Conflict(
                "NOT_PROVISIONED", "该接入申请尚未配置", "the channel of this case is not configured yet", "case_id"
            )
        app_id = str(case.data["app_id"])
        entry = app.look(CHANNEL, app_id)
        keys = (entry or {}).get("keys") or [
            {"key_id": case.data["key_id"], "public_key": case.data["public_key"], "valid_until": None}
        ]
        return {
            "app_id": app_id,
            "environment": (entry or {}).get("environment", TEST),
            "status": (entry or {}).get("status", "not_open"),
            "keys": [{**k, "sm4_key": sm4_key_of(app_id, str(k["key_id"])).hex()} for k in keys],
            "platform_public_key": platform.public_hex,
            "sign_rule": dict(SIGN_RULE),
        }

    @router.get("/api/v1/gateway/access-log", responses=ERRORS)
    def access_log(
        who: CurrentActor,
        app_id: Annotated[str | None, Query(max_length=64)] = None,
        outcome: Annotated[str | None, Query(pattern=r"^[A-Z_]{2,40}$")] = None,
        since: datetime | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        """The gateway's decisions, newest first: channel, item, outcome (OK or the refusal code), status, latency."""
        if not set(who.roles) & LOG_ROLES:
            raise Forbidden(
                "WRONG_ROLE", "查询访问日志需要经办、审计或省局角色", "reading the access log needs a staff role"
            )
        if recent_access is None:
            raise NotFound("NO_ACCESS_LOG", "本网关未记录访问日志", "this gateway keeps no access log")
        return {"items": recent_access(app_id=app_id, outcome=outcome, since=since, limit=limit)}

    return router


def _p092_case(app: CaseApplication, case_id: UUID) -> Case:
    case = app.get_case(case_id)
    if case.process_id != P092.id:
        raise NotFound("CASE_NOT_FOUND", "不是便民服务接入申请案件", "not a channel admission (P092) case", "case_id")
    return case


def _ack(ack: CaseAck) -> dict[str, Any]:
    return {
        "case_id": ack.case_id,
        "acceptance_no": ack.acceptance_no,
        "process_id": ack.process_id,
        "stage": ack.stage,
        "version": ack.version,
    }

"""The treatment service's own LTC routes: the 照护机构 directory (service item 79), loaded from the example file
policy/ltc_institutions_example.yaml, and the example 失能等级 table with its 照护计划 (what S078 decides by).

Public reference data, not personal: any authenticated caller reads it (staff, oversight, a channel through the
entry point), whatever its 医保区划; `admdvs` narrows the list.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from ybj_kernel.application import CaseApplication
from ybj_kernel.entrypoints.http_common import CurrentActor
from ybj_treatment.policy.ltc import CARE_MODE_ZH, INSTITUTIONS, POLICY


def ltc_router(_app: CaseApplication) -> APIRouter:
    """GET /api/v1/ltc/institutions, GET /api/v1/ltc/policy."""
    router = APIRouter(tags=["long-term care 长护险"])

    @router.get("/api/v1/ltc/institutions")
    def care_institutions(
        _who: CurrentActor,
        admdvs: Annotated[str | None, Query(pattern=r"^\d{6}$", description="医保区划（520100 含 5201xx）")] = None,
        care_mode: Annotated[
            Literal["home", "institution"] | None, Query(description="home 居家上门照护, institution 机构住养照护")
        ] = None,
    ) -> dict[str, Any]:
        """照护机构 (定点护理服务机构) of a 医保区划, by code: `{items, total, example, note_zh}`; a suspended one is
        listed with its status (it cannot be chosen in a 失能申请)."""
        items = [
            {**i.model_dump(mode="json"), "care_modes_zh": [CARE_MODE_ZH[m] for m in i.care_modes]}
            for i in sorted(INSTITUTIONS.listed(admdvs, care_mode), key=lambda i: i.care_inst_code)
        ]
        return {"items": items, "total": len(items), "example": INSTITUTIONS.example, "note_zh": INSTITUTIONS.note_zh}

    @router.get("/api/v1/ltc/policy")
    def ltc_policy(_who: CurrentActor) -> dict[str, Any]:
        """The 失能等级 table (Barthel score bands), the validity of a 评定结论 and each level's 照护计划 (EXAMPLE)."""
        return POLICY.describe()

    return router

// The Chinese words staff read for the platform's codes: roles (the catalogue's actor vocabulary, ybj_kernel roles.py;
// worded as services/query/ybj_query/dev_users.yaml names them),
// action kinds, and a date helper. Anything not listed shows its code.
import { ElMessage } from "element-plus";
import { ApiError } from "@shared/api";
import { router } from "../router";
import { signOut } from "../auth";

export const ROLE_NAMES: Record<string, string> = {
  registrar: "经办（窗口受理）",
  first_reviewer: "初审",
  second_reviewer: "复审",
  approver: "领导审批",
  finance: "基金财务",
  finance_reviewer_1: "一级复核",
  finance_reviewer_2: "二级复核",
  finance_reviewer_3: "三级复核",
  auditor: "费用审核/稽核",
  panel: "合议",
  oversight: "审计/基金监管（只读）",
  system: "系统",
  institution: "定点医药机构",
  applicant: "申请单位/申请人",
  employer: "参保单位",
  bank: "银行",
  tax_bureau: "税务部门",
  hr_bureau: "人社部门",
  finance_bureau: "财政部门",
  county_bureau: "县医保局",
  municipal_bureau: "市医保局",
  provincial_bureau: "省医保局",
  transfer_in_agency: "转入地经办机构",
  transfer_out_agency: "转出地经办机构",
  remote_settlement_center: "异地结算中心",
  vendor: "系统承建商",
  commercial_insurer: "商业保险机构",
  channel: "便民服务渠道",
};

export function roleName(role: string | null | undefined): string {
  return role ? (ROLE_NAMES[role] ?? role) : "";
}

export function roleNames(roles: string[]): string {
  return roles.map(roleName).join("、");
}

/** A moment as staff read it, in local time: 2026-12-05 10:00:00. */
export function when(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** Today as YYYY-MM-DD in local time (the platform's deadlines are dates). */
export function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** Days a deadline is past (0 when not yet due or none). */
export function daysOverdue(dueOn: string | null | undefined): number {
  if (!dueOn) return 0;
  const days = Math.floor((Date.parse(today()) - Date.parse(dueOn)) / 86_400_000);
  return days > 0 ? days : 0;
}

/** Show a failure in Chinese; a token the platform no longer accepts sends the user back to sign in. */
export function report(error: unknown): void {
  if (error instanceof ApiError) {
    if (error.status === 401) {
      signOut();
      void router.push({ path: "/sign-in", query: { next: router.currentRoute.value.fullPath } });
    }
    ElMessage.error(error.messageZh);
    return;
  }
  ElMessage.error(`操作失败：${error instanceof Error ? error.message : String(error)}`);
}

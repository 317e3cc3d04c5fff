// The processes as GET /api/v1/processes[/{id}] describes them (ybj_kernel.domain.describe), fetched once per page
// load: one definition by id for a case or a queue row, the whole list (large) only where a process is chosen.
import { getJson } from "@shared/api";
import type { JsonSchema } from "@shared/jsonSchema";

export interface StageDef {
  key: string;
  name_zh: string;
  roles: string[];
  review: boolean;
  optional: boolean;
  variants?: string[];
  input_schema: JsonSchema;
  due?: Record<string, unknown>;
  batch?: boolean;
  requires_materials?: boolean;
}

export interface ActionDef {
  name: string;
  kind: "create" | "complete" | "reject" | "skip" | "step_back" | "cancel" | "extra" | "materials";
  variant: string | null;
  from_stage: string | null;
  roles: string[];
  to_stage: string;
  event: string;
  reason_required: boolean;
  separation_of_duties: boolean;
  input_schema: JsonSchema;
  after?: string; // at a rejection or an extra terminal stage: the stage the case came from
  name_zh?: string; // a process's own action
}

export interface VariantDef {
  key: string;
  name_zh: string;
  stages: string[];
}

export interface MaterialDef {
  name_zh: string;
  required: boolean;
  condition_zh?: string | null;
}

export interface ProcessDef {
  id: string;
  slug: string;
  name_zh: string;
  service: string;
  variants: VariantDef[];
  stages: StageDef[];
  materials: MaterialDef[];
  documents: { name: string; title_zh: string }[];
  terminal_stages: string[];
  actions: ActionDef[];
  input_schema: JsonSchema;
}

const byId = new Map<string, Promise<ProcessDef>>();
let everything: Promise<ProcessDef[]> | null = null;

/** One process's definition (memoised; a failed fetch is forgotten so that it can be retried). */
export function processDefinition(id: string): Promise<ProcessDef> {
  let found = byId.get(id);
  if (!found) {
    found = getJson<ProcessDef>(`/api/v1/processes/${encodeURIComponent(id)}`);
    found.catch(() => byId.delete(id));
    byId.set(id, found);
  }
  return found;
}

/** Every process (memoised); each also fills the by-id cache. */
export function allProcesses(): Promise<ProcessDef[]> {
  if (!everything) {
    everything = getJson<ProcessDef[]>("/api/v1/processes");
    everything.then(
      (list) => list.forEach((p) => byId.has(p.id) || byId.set(p.id, Promise.resolve(p))),
      () => (everything = null),
    );
  }
  return everything;
}

/** The stages a case of this variant runs, in order (no variant: the process's default path). */
export function pathOf(p: ProcessDef, variant: string | null | undefined): StageDef[] {
  const chosen = p.variants.find((v) => v.key === variant) ?? p.variants[0];
  if (!chosen) return p.stages.filter((s) => !s.variants?.length);
  const keys = new Set(chosen.stages);
  return p.stages.filter((s) => keys.has(s.key));
}

/** A stage's Chinese name; `short` leaves out a trailing explanation in brackets (月结算初审（…） → 月结算初审). */
export function stageName(p: ProcessDef | undefined, key: string, short = false): string {
  const name = p?.stages.find((s) => s.key === key)?.name_zh ?? TERMINAL_NAMES[key] ?? key;
  return short ? shortName(name) : name;
}

export function shortName(name: string): string {
  const cut = name.replace(/\s*[（(][^（()）]*[)）]\s*$/, "").trim();
  return cut || name;
}

export function variantName(p: ProcessDef | undefined, key: string | null | undefined): string {
  if (!key) return "";
  return p?.variants.find((v) => v.key === key)?.name_zh ?? key;
}

export const TERMINAL_NAMES: Record<string, string> = {
  completed: "办结",
  rejected: "审核不通过",
  cancelled: "已撤消",
  revoked: "已取消备案",
};

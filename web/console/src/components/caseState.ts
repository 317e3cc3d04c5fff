// A case's position read back from its history, the way the engine keeps it (ybj_kernel.domain.case / actions.py):
// the completed steps still in effect (step back undoes the last), the stage it came from, and from those the rows
// of the process's `actions` table that apply now. The platform decides every command again; this only chooses
// which buttons to show.
import type { ActionDef, ProcessDef } from "./processes";

export interface CaseRecord {
  case_id: string;
  process_id: string;
  acceptance_no: string;
  admdvs: string;
  stage: string;
  variant: string | null;
  due_on: string | null;
  status?: string;
  version: number;
  data: Record<string, unknown>;
  created_by: string | Record<string, unknown>;
  last_actor?: string | Record<string, unknown>;
  created_at?: string;
  updated_at?: string;
  materials?: string[]; // only the service's own view (as-of) lists them
}

/** Where a case stands after a command (the answer of POST /api/v1/cases and …/actions). */
export interface Ack {
  case_id: string;
  acceptance_no: string;
  process_id: string;
  stage: string;
  version: number;
}

export interface HistoryEvent {
  version: number;
  event: string;
  type?: string;
  action: string;
  stage_from: string;
  stage_to: string;
  actor: string;
  actor_role: string;
  time: string;
  comment: string | null;
  data: Record<string, unknown>;
}

interface Layer {
  version: number; // the event that completed the step
  stage: string;
  action: string;
  actor: string;
  role: string;
}

export interface Replayed {
  layers: Layer[]; // completed steps in effect, oldest first (the registration first)
  undone: Set<number>; // versions of steps a later step back withdrew
  cameFrom: string | null;
}

/** The kind of a recorded action at the stage it was taken (create, complete, step_back…), from the process table. */
export function kindOf(p: ProcessDef | undefined, e: Pick<HistoryEvent, "action" | "stage_from">): string {
  if (e.action === "create") return "create";
  if (e.action === "issue_document") return "document";
  const row = p?.actions.find((a) => a.name === e.action && a.from_stage === e.stage_from);
  if (row) return row.kind;
  if (e.action === "step_back" || e.action === "cancel" || e.action === "reject" || e.action === "skip") return e.action;
  return "other";
}

export function isTerminal(p: ProcessDef | undefined, stage: string): boolean {
  return (p?.terminal_stages ?? ["completed", "cancelled", "rejected"]).includes(stage);
}

/** Replay the history into the case's stage layers. */
export function replay(p: ProcessDef | undefined, events: HistoryEvent[]): Replayed {
  const layers: Layer[] = [];
  const undone = new Set<number>();
  for (const e of events) {
    const kind = kindOf(p, e);
    const layer = { version: e.version, stage: e.stage_from, action: e.action, actor: e.actor, role: e.actor_role };
    if (kind === "create" || kind === "complete" || kind === "skip") {
      layers.push(layer);
    } else if (kind === "step_back" && (e.stage_from === "completed" || !isTerminal(p, e.stage_from))) {
      // Back from a stage (or from 办结) withdraws the last step; back from a rejection withdraws nothing.
      const withdrawn = layers.pop();
      if (withdrawn) undone.add(withdrawn.version);
    }
  }
  const last = events[events.length - 1];
  const moved = [...events].reverse().find((e) => e.stage_from !== e.stage_to);
  return { layers, undone, cameFrom: last ? (moved?.stage_from ?? last.stage_from) : null };
}

/** The variant a case runs (a case of a process without variants: none). */
export function variantOf(p: ProcessDef, c: Pick<CaseRecord, "variant">): string | null {
  return c.variant ?? p.variants[0]?.key ?? null;
}

/** Every row of the actions table for the case's position, whoever asks. */
export function actionsAt(p: ProcessDef, c: Pick<CaseRecord, "stage" | "variant">, r: Replayed): ActionDef[] {
  const variant = variantOf(p, c);
  const here = p.actions.filter((a) => a.kind !== "create" && a.from_stage === c.stage && (a.variant ?? null) === variant);
  const exact = here.filter((a) => a.after === undefined || a.after === r.cameFrom);
  const rows = exact.length ? exact : here;
  const seen = new Set<string>();
  return rows.filter((a) => !seen.has(a.name) && seen.add(a.name));
}

export interface Choices {
  allowed: ActionDef[]; // what this user may do now
  barred: ActionDef[]; // reviews their own earlier step bars them from
}

/** What the platform's engine says this user may do now (GET /api/v1/cases/{id}/allowed-actions: names), as rows of
 * the process's actions table at the case's position (their forms and labels). */
export function choicesFrom(p: ProcessDef, c: CaseRecord, r: Replayed, allowed: string[], barred: string[]): Choices {
  const here = actionsAt(p, c, r);
  const rows = (names: string[]): ActionDef[] => here.filter((a) => names.includes(a.name));
  return { allowed: rows(allowed), barred: rows(barred) };
}

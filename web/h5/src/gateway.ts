// The gateway's H5 API (docs/channel/envelope.md, section 10): the item list and the items, called with the
// session (Authorization: Session <token>) and plain JSON. A refused session ends the page: the citizen enters again
// from the channel's app.
import { reactive } from "vue";
import { ApiError, getJson, sendJson } from "@shared/api";
import { dropSession, sessionToken } from "./session";

export type FieldType = "text" | "date" | "number" | "boolean" | "list" | "json";

export interface H5Field {
  key: string;
  label_zh: string;
  type: FieldType;
  example?: string;
}

export interface H5Item {
  no: number;
  name_zh: string;
  kind: "application" | "query";
  application: boolean;
  fields: H5Field[];
  note_zh?: string;
  assumption_zh?: string;
}

export interface H5Group {
  group_zh: string;
  items: H5Item[];
}

export interface H5List {
  person: { psn_name: string; certno: string };
  channel: { app_id: string; system_name: string };
  expires_at: string;
  groups: H5Group[];
  labels: Record<string, string>;
}

export type Answer = Record<string, unknown>;

export const PROGRESS_ITEM = 114; // 受理类服务进度查询

export const state = reactive({
  list: null as H5List | null,
  loadError: "",
  // Why the session ended (unknown, expired), in Chinese: the page then only says so.
  sessionEnded: "",
});

// Called once the address bar's session is adopted (main.ts): without one the page only says where to enter.
export function requireSession(): void {
  if (!sessionToken()) state.sessionEnded = "未获得服务会话，请从渠道应用进入医保便民服务。";
}

let loading: Promise<H5List | null> | null = null;

// A refused session (unknown, expired) ends the page; anything else is the caller's to show.
function noteSessionEnd(error: unknown): void {
  if (error instanceof ApiError && error.status === 401) {
    dropSession();
    state.sessionEnded = error.messageZh;
  }
}

export function loadList(): Promise<H5List | null> {
  if (state.list) return Promise.resolve(state.list);
  loading ??= getJson<H5List>("/channel/v1/h5/items")
    .then((list) => (state.list = list))
    .catch((error: unknown) => {
      loading = null;
      noteSessionEnd(error);
      state.loadError = error instanceof ApiError ? error.messageZh : "网络异常，请稍后重试";
      return null;
    });
  return loading;
}

export function findItem(no: number): H5Item | undefined {
  return state.list?.groups.flatMap((g) => g.items).find((item) => item.no === no);
}

export function label(key: string): string {
  return state.list?.labels[key] ?? key;
}

export async function callItem(no: number, business: Record<string, unknown>, idempotencyKey?: string): Promise<Answer> {
  const headers: Record<string, string> = idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {};
  try {
    return await sendJson<Answer>(`/channel/v1/h5/items/${no}`, business, "POST", headers);
  } catch (error) {
    noteSessionEnd(error);
    throw error;
  }
}

export function newIdempotencyKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

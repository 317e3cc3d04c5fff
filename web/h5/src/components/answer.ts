// How an item's answer is shown: every field under its Chinese label (the gateway's `labels`), a code beside its
// name shown by its name, lists as groups of cells, values as the gateway gave them (masked where it masked them).

// `key`: the answer's key; `labelKey`: the key whose label the row shows (a code's name partner, when it shows that).
export type Row = { key: string; labelKey: string } & (
  | { kind: "value"; value: string }
  | { kind: "object"; value: Record<string, unknown> }
  | { kind: "list"; value: Record<string, unknown>[] }
);

const HIDDEN = new Set(["case_id", "version"]);
const NAME_SUFFIXES = ["_name_zh", "_name", "_zh"];
// Codes every personal answer carries whose names the answer does not give.
const CODE_NAMES: Record<string, Record<string, string>> = { psn_cert_type: { "01": "居民身份证" } };
const ISO_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?$/;

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function empty(value: unknown): boolean {
  return value === null || value === undefined || value === "";
}

export function shown(value: unknown): string {
  if (typeof value === "boolean") return value ? "是" : "否";
  if (typeof value === "string") {
    const time = ISO_TIME.exec(value);
    return time ? `${time[1]} ${time[2]}` : value;
  }
  if (Array.isArray(value)) return value.map(shown).join("、");
  return String(value);
}

// The fields of an answer object in order: scalars (and lists of scalars) as values, objects and lists of objects as
// their own groups. A key whose name partner is present (insutype + insutype_name) shows the name under its label.
export function rows(answer: Record<string, unknown>): Row[] {
  const partnerOf = new Map<string, string>();
  for (const key of Object.keys(answer)) {
    const partner = NAME_SUFFIXES.map((suffix) => key + suffix).find((p) => p in answer && !empty(answer[p]));
    if (partner) partnerOf.set(key, partner);
  }
  const partners = new Set(partnerOf.values());
  const out: Row[] = [];
  for (const [key, raw] of Object.entries(answer)) {
    if (HIDDEN.has(key) || partners.has(key) || empty(raw)) continue;
    const partner = partnerOf.get(key);
    const labelKey = partner ?? key;
    const value = partner ? answer[partner] : (CODE_NAMES[key]?.[String(raw)] ?? raw);
    if (Array.isArray(value) && value.some(isObject)) {
      out.push({ kind: "list", key, labelKey, value: value.filter(isObject) });
    } else if (isObject(value)) {
      out.push({ kind: "object", key, labelKey, value });
    } else {
      const text = Array.isArray(value) && value.length === 0 ? "无" : shown(value);
      out.push({ kind: "value", key, labelKey, value: text });
    }
  }
  return out;
}

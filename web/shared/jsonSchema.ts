// JSON Schema (as pydantic writes it for the processes' input models) turned into form fields: the kind of widget,
// a Chinese label from the `description`, whether it is required, the options of an enum, and the client-side hints
// (pattern, lengths, ranges). The server's validation stays the truth; these only spare a round trip.
// Framework-free, so that the console (Element Plus) and the H5 pages (Vant) can both build on it.

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  examples?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
}

export type FieldKind =
  | "string"
  | "text" // a long string: a text area
  | "enum"
  | "const"
  | "date"
  | "datetime"
  | "number" // a float
  | "decimal" // number-or-string (pydantic Decimal, e.g. money): kept and sent as a string, never a float
  | "integer"
  | "boolean"
  | "enum-list" // several of an enum's values
  | "string-list" // free strings (or integers / decimals: see `item`)
  | "object"
  | "object-list"
  | "json"; // anything else: edited as JSON text

export interface Option {
  value: string | number;
  label: string;
}

export interface FieldSpec {
  name: string; // the property's name (an array item's field: its own name, the row index is in the path)
  label: string; // short Chinese label (the description up to its first bracket or colon)
  help: string; // the whole description, when it says more than the label
  kind: FieldKind;
  required: boolean;
  schema: JsonSchema; // the non-null branch, $ref resolved
  options: Option[];
  fields: FieldSpec[]; // an object's fields, or an object-list's row fields
  item: FieldKind | null; // a string-list's item kind (string, integer, decimal, number)
  system: boolean; // filled by the platform ("系统计算", "系统记录"): not asked for
}

const SYSTEM_FILLED = /系统计算|由系统|系统记录|系统取|系统记为/;

/** Follow a local `$ref` (#/$defs/Name) against the root schema. */
export function resolved(schema: JsonSchema, root: JsonSchema): JsonSchema {
  let current = schema;
  for (let depth = 0; current.$ref && depth < 20; depth++) {
    const name = current.$ref.replace(/^#\/(\$defs|definitions)\//, "");
    const target = root.$defs?.[name];
    if (!target) break;
    const { $ref: _ref, ...rest } = current;
    current = { ...target, ...rest };
  }
  return current;
}

function typeOf(schema: JsonSchema): string | undefined {
  return Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
}

function isNull(schema: JsonSchema): boolean {
  return schema.type === "null";
}

/** The branches of an anyOf / oneOf without the null one; `nullable` when a null branch was there. */
function branches(schema: JsonSchema, root: JsonSchema): { parts: JsonSchema[]; nullable: boolean } {
  const union = schema.anyOf ?? schema.oneOf;
  if (!union) return { parts: [resolved(schema, root)], nullable: Array.isArray(schema.type) && schema.type.includes("null") };
  const parts = union.filter((b) => !isNull(b)).map((b) => resolved(b, root));
  return { parts, nullable: parts.length < union.length };
}

/** The Chinese label of a field: its description up to the first bracket or colon, else its title, else its name. */
export function labelOf(schema: JsonSchema | undefined, name: string): { label: string; help: string } {
  const description = (schema?.description ?? "").trim();
  if (!description) return { label: schema?.title ?? name, help: "" };
  // "险种：510 生育…" → 险种; "申报工资（元）" → 申报工资; "生育（流产）日期" stays whole (the bracket is inside).
  let short = description.split(/[：:；;]/)[0];
  for (let before = ""; before !== short; ) {
    before = short;
    short = short.replace(/\s*[（(][^（()）]*[)）]\s*$/, "");
  }
  short = short.replace(/\s*[（(][^)）]*$/, "").trim(); // an unclosed bracket cut by the colon
  const label = short || description;
  return { label, help: label === description ? "" : description };
}

// Names of the commonest national codes (医保信息业务编码), for enums whose description does not spell them out.
const CODE_NAMES: Record<string, Record<string, string>> = {
  cert_type: {
    "01": "居民身份证（户口簿）",
    "02": "中国人民解放军军官证",
    "03": "中国人民武装警察警官证",
    "04": "香港特区护照/身份证明",
    "05": "澳门特区护照/身份证明",
    "06": "台湾居民来往大陆通行证",
    "07": "外国人永久居留证",
    "08": "外国人护照",
  },
  gend: { "0": "未知的性别", "1": "男", "2": "女", "9": "未说明的性别" },
  insutype: {
    "310": "职工基本医疗保险",
    "320": "公务员医疗补助",
    "330": "大额医疗费用补助",
    "390": "城乡居民基本医疗保险",
    "510": "生育保险",
  },
};

function codeNames(field: string): Record<string, string> {
  if (/cert_type$/.test(field)) return CODE_NAMES.cert_type;
  if (/(^|_)gend$/.test(field)) return CODE_NAMES.gend;
  if (/insutypes?$/.test(field)) return CODE_NAMES.insutype;
  return {};
}

/** The options of an enum, labelled from the description where it spells them out: "证件类型 (01 居民身份证, 02 …)",
 * else from the national code names of a well-known field (证件类型, 性别, 险种). */
export function enumOptions(values: unknown[], description = "", field = ""): Option[] {
  const known = codeNames(field);
  return values.map((v) => {
    const value = typeof v === "number" ? v : String(v);
    const escaped = String(value).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const found = new RegExp(`(?:^|[\\s(（:：,，、;；=])${escaped}(?:\\s+|\\s*[=：:-]\\s*)([^\\s,，、;；)）=]+)`).exec(description);
    const named = found && !/^\d+$/.test(found[1]) ? found[1] : null;
    const label = named ?? known[String(value)];
    return { value, label: label ? `${value} ${label}` : String(value) };
  });
}

function scalarKind(schema: JsonSchema): FieldKind | null {
  if (schema.const !== undefined) return "const";
  if (schema.enum) return "enum";
  switch (typeOf(schema)) {
    case "string":
      if (schema.format === "date") return "date";
      if (schema.format === "date-time") return "datetime";
      return (schema.maxLength ?? 0) > 200 ? "text" : "string";
    case "integer":
      return "integer";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    default:
      return null;
  }
}

function kindOf(parts: JsonSchema[], root: JsonSchema): { kind: FieldKind; schema: JsonSchema; item: FieldKind | null } {
  const types = parts.map(typeOf);
  if (parts.length === 2 && types.includes("number") && types.includes("string")) {
    return { kind: "decimal", schema: parts.find((p) => typeOf(p) === "number") ?? parts[0], item: null };
  }
  if (parts.length !== 1) return { kind: "json", schema: parts[0] ?? {}, item: null };
  const schema = parts[0];
  const scalar = scalarKind(schema);
  if (scalar) return { kind: scalar, schema, item: null };
  if (typeOf(schema) === "array") {
    const items = branches(schema.items ?? {}, root);
    const inner = items.parts.length === 1 ? items.parts[0] : null;
    if (inner && typeOf(inner) === "object" && inner.properties) return { kind: "object-list", schema, item: null };
    if (inner?.enum) return { kind: "enum-list", schema, item: "enum" };
    const itemKind = inner ? scalarKind(inner) : kindOf(items.parts, root).kind;
    if (itemKind === "string" || itemKind === "integer" || itemKind === "number" || itemKind === "decimal" || itemKind === "date") {
      return { kind: "string-list", schema, item: itemKind };
    }
    return { kind: "json", schema, item: null };
  }
  if (typeOf(schema) === "object" && schema.properties) return { kind: "object", schema, item: null };
  return { kind: "json", schema, item: null };
}

/** One field of a form from its property schema. */
export function fieldOf(name: string, property: JsonSchema, root: JsonSchema, required: boolean): FieldSpec {
  const { parts } = branches(property, root);
  const { kind, schema, item } = kindOf(parts, root);
  const described = { ...schema, description: property.description ?? schema.description, title: property.title ?? schema.title };
  const { label, help } = labelOf(described, name);
  let options: Option[] = [];
  let fields: FieldSpec[] = [];
  if (kind === "enum") options = enumOptions(schema.enum ?? [], described.description, name);
  if (kind === "const") options = enumOptions([schema.const], described.description, name);
  if (kind === "enum-list") {
    const inner = branches(schema.items ?? {}, root).parts[0] ?? {};
    options = enumOptions(inner.enum ?? [], `${described.description ?? ""} ${inner.description ?? ""}`, name);
  }
  if (kind === "object") fields = fieldsOf(schema, root);
  if (kind === "object-list") fields = fieldsOf(branches(schema.items ?? {}, root).parts[0], root);
  const system = !required && SYSTEM_FILLED.test(described.description ?? "");
  return { name, label, help, kind, required, schema: { ...schema, default: property.default ?? schema.default }, options, fields, item, system };
}

/** The fields of an object schema, in the model's order. */
export function fieldsOf(schema: JsonSchema, root: JsonSchema = schema): FieldSpec[] {
  const object = resolved(schema, root);
  const required = new Set(object.required ?? []);
  return Object.entries(object.properties ?? {}).map(([name, property]) => fieldOf(name, property, root, required.has(name)));
}

/** Whether a schema asks for anything at all. */
export function hasFields(schema: JsonSchema | undefined): boolean {
  return !!schema && Object.keys(resolved(schema, schema).properties ?? {}).length > 0;
}

/** The value a new form starts from: the schema's default (or const), else empty. */
export function initialValue(field: FieldSpec): unknown {
  const { schema } = field;
  if (schema.const !== undefined) return schema.const;
  if (schema.default !== undefined && schema.default !== null) {
    const value = schema.default;
    if (field.kind === "decimal" || field.kind === "number" || field.kind === "integer") return String(value);
    return structuredClone(value);
  }
  switch (field.kind) {
    case "object":
      return initialData(field.fields);
    case "object-list":
      return field.required && (field.schema.minItems ?? 0) > 0 ? [initialData(field.fields)] : [];
    case "enum-list":
    case "string-list":
      return [];
    case "boolean":
      return null;
    default:
      return "";
  }
}

/** A fresh form model for these fields. */
export function initialData(fields: FieldSpec[]): Record<string, unknown> {
  return Object.fromEntries(fields.filter((f) => !f.system).map((f) => [f.name, initialValue(f)]));
}

export function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === "string" && value.trim() === "") || (Array.isArray(value) && value.length === 0);
}

function scalarOut(kind: FieldKind | null, value: unknown): unknown {
  if (typeof value !== "string") return value;
  const text = value.trim();
  if (kind === "integer" && /^-?\d+$/.test(text)) return Number.parseInt(text, 10);
  if (kind === "number" && text !== "" && Number.isFinite(Number(text))) return Number(text);
  return text; // a decimal stays a string (exact); a bad number is the server's to name
}

/** The form model as the API takes it: empty optional fields left out, numbers typed, decimals as strings. */
export function cleaned(fields: FieldSpec[], data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    if (field.system) continue;
    const value = data[field.name];
    if (isEmpty(value) && !(field.required && Array.isArray(value))) continue;
    if (field.kind === "object" && value && typeof value === "object") {
      out[field.name] = cleaned(field.fields, value as Record<string, unknown>);
    } else if (field.kind === "object-list" && Array.isArray(value)) {
      out[field.name] = value.map((row) => cleaned(field.fields, row as Record<string, unknown>));
    } else if (field.kind === "string-list" && Array.isArray(value)) {
      out[field.name] = value.map((v) => scalarOut(field.item, v));
    } else if (field.kind === "json" && typeof value === "string") {
      try {
        out[field.name] = JSON.parse(value);
      } catch {
        out[field.name] = value;
      }
    } else {
      out[field.name] = scalarOut(field.kind, value);
    }
  }
  return out;
}

/** What the schema says is wrong with a value before it is sent (null when nothing). */
export function problemOf(field: FieldSpec, value: unknown): string | null {
  const { schema, label } = field;
  if (isEmpty(value)) return field.required && !field.system ? `请填写${label}` : null;
  if (typeof value === "string" && ["string", "text"].includes(field.kind)) {
    const text = value.trim();
    if (schema.minLength !== undefined && text.length < schema.minLength) return `${label}至少 ${schema.minLength} 个字符`;
    if (schema.maxLength !== undefined && text.length > schema.maxLength) return `${label}最多 ${schema.maxLength} 个字符`;
    if (schema.pattern && !safeRegExp(schema.pattern)?.test(text)) {
      const example = schema.examples?.[0];
      return `${label}格式不正确${example !== undefined ? `，如 ${String(example)}` : ""}`;
    }
  }
  if (["number", "decimal", "integer"].includes(field.kind)) {
    const text = String(value).trim();
    const ok = field.kind === "integer" ? /^-?\d+$/.test(text) : /^-?\d+(\.\d+)?$/.test(text);
    if (!ok) return field.kind === "integer" ? `${label}应为整数` : `${label}应为数字`;
    const n = Number(text);
    if (schema.minimum !== undefined && n < schema.minimum) return `${label}不能小于 ${schema.minimum}`;
    if (schema.exclusiveMinimum !== undefined && n <= schema.exclusiveMinimum) return `${label}应大于 ${schema.exclusiveMinimum}`;
    if (schema.maximum !== undefined && n > schema.maximum) return `${label}不能大于 ${schema.maximum}`;
    if (schema.exclusiveMaximum !== undefined && n >= schema.exclusiveMaximum) return `${label}应小于 ${schema.exclusiveMaximum}`;
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) return `${label}至少 ${schema.minItems} 项`;
    if (schema.maxItems !== undefined && value.length > schema.maxItems) return `${label}最多 ${schema.maxItems} 项`;
  }
  if (field.kind === "json" && typeof value === "string") {
    try {
      JSON.parse(value);
    } catch {
      return `${label}不是有效的 JSON`;
    }
  }
  return null;
}

function safeRegExp(pattern: string): RegExp | null {
  try {
    return new RegExp(pattern, "u");
  } catch {
    return null; // a Python-only construct: the server checks it
  }
}

/** Every client-side problem of a form, by dotted path (rows of a list as `name.0.field`). */
export function problems(fields: FieldSpec[], data: Record<string, unknown>, prefix = ""): Map<string, string> {
  const found = new Map<string, string>();
  for (const field of fields) {
    if (field.system) continue;
    const path = prefix + field.name;
    const value = data[field.name];
    const problem = problemOf(field, value);
    if (problem) found.set(path, problem);
    if (field.kind === "object" && value && typeof value === "object") {
      problems(field.fields, value as Record<string, unknown>, `${path}.`).forEach((m, p) => found.set(p, m));
    }
    if (field.kind === "object-list" && Array.isArray(value)) {
      value.forEach((row, i) => problems(field.fields, row as Record<string, unknown>, `${path}.${i}.`).forEach((m, p) => found.set(p, m)));
    }
  }
  return found;
}

/** Labels of every field named anywhere in these schemas (nested ones too), for showing a case's data. */
export function labelsOf(schemas: JsonSchema[]): Map<string, FieldSpec> {
  const labels = new Map<string, FieldSpec>();
  const visit = (fields: FieldSpec[]) => {
    for (const f of fields) {
      const known = labels.get(f.name);
      if (!known || (!known.help && f.help) || known.kind === "json") labels.set(f.name, f);
      visit(f.fields);
    }
  };
  for (const schema of schemas) visit(fieldsOf(schema));
  return labels;
}

/** A value as staff read it: enum codes with their names, 是/否, lists joined. */
export function displayValue(value: unknown, field?: FieldSpec): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? "是" : "否";
  if (Array.isArray(value)) return value.map((v) => displayValue(v, field)).join("、");
  if (field && field.options.length) {
    const option = field.options.find((o) => String(o.value) === String(value));
    if (option) return option.label;
  }
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

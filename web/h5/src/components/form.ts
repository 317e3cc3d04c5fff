// An item's form values turned into the business data the gateway takes, by the field types the gateway gives.
import type { H5Field } from "../gateway";

export type Values = Record<string, string | boolean>;

export function initialValues(fields: H5Field[], prefill: Record<string, string> = {}): Values {
  return Object.fromEntries(fields.map((f) => [f.key, f.type === "boolean" ? false : (prefill[f.key] ?? "")]));
}

// The business data, or the fields whose text cannot be read (a number, JSON) with their message.
export function business(fields: H5Field[], values: Values): { data: Record<string, unknown>; errors: Record<string, string> } {
  const data: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const value = values[field.key];
    if (field.type === "boolean") {
      data[field.key] = value === true;
      continue;
    }
    const text = typeof value === "string" ? value.trim() : "";
    if (!text) continue;
    if (field.type === "number") {
      const number = Number(text);
      if (Number.isFinite(number)) data[field.key] = number;
      else errors[field.key] = "请填写数字";
    } else if (field.type === "list") {
      data[field.key] = text.split(/[,，、;；\s]+/).filter(Boolean);
    } else if (field.type === "json") {
      try {
        data[field.key] = JSON.parse(text) as unknown;
      } catch {
        errors[field.key] = "格式有误：应为 JSON（可参照示例填写）";
      }
    } else {
      data[field.key] = text;
    }
  }
  return { data, errors };
}

// The form field an error of the server names ("lines.0.cnt" belongs to the field "lines").
export function fieldOf(fields: H5Field[], named: string | null): string | null {
  if (!named) return null;
  const top = named.split(".")[0];
  return fields.some((f) => f.key === top) ? top : null;
}

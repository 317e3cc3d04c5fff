// The errors of a generated form by dotted field path, shared by SchemaForm and every SchemaField below it.
import type { InjectionKey } from "vue";

export type FieldErrors = Map<string, string>;

export const ERRORS_KEY: InjectionKey<FieldErrors> = Symbol("schema-form-errors");

// The platform's API as both front ends call it: JSON in and out, the bearer token of the signed-in user (console)
// or the channel session (H5), and the platform's errors as ApiError {code, message_zh, message_en, field}.

export interface ErrorBody {
  code: string;
  message_zh: string;
  message_en: string;
  field?: string | null;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly messageZh: string;
  readonly field: string | null;

  constructor(status: number, body: ErrorBody) {
    super(`${body.code}: ${body.message_en}`);
    this.status = status;
    this.code = body.code;
    this.messageZh = body.message_zh;
    this.field = body.field ?? null;
  }
}

// Where the credentials come from: the console's signed-in user, or the H5 page's channel session.
export type Credentials = () => string | null;

let credentials: Credentials = () => null;
let scheme = "Bearer";

// The scheme is "Bearer" for the console's token, "Session" for the H5 page's channel session (the gateway's).
export function useCredentials(source: Credentials, authScheme = "Bearer"): void {
  credentials = source;
  scheme = authScheme;
}

export function authorization(): Record<string, string> {
  const token = credentials();
  return token ? { Authorization: `${scheme} ${token}` } : {};
}

async function answered<T>(response: Response): Promise<T> {
  const text = await response.text();
  const body: unknown = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const err = (body ?? {}) as Partial<ErrorBody>;
    throw new ApiError(response.status, {
      code: err.code ?? `HTTP_${response.status}`,
      message_zh: err.message_zh ?? `请求失败（${response.status}）`,
      message_en: err.message_en ?? `request failed (${response.status})`,
      field: err.field ?? null,
    });
  }
  return body as T;
}

export async function getJson<T>(path: string, params?: Record<string, string | number | boolean | undefined>): Promise<T> {
  const query = params
    ? "?" +
      new URLSearchParams(
        Object.entries(params)
          .filter(([, v]) => v !== undefined && v !== "")
          .map(([k, v]) => [k, String(v)]),
      ).toString()
    : "";
  return answered<T>(await fetch(path + query, { headers: { Accept: "application/json", ...authorization() } }));
}

export async function sendJson<T>(path: string, body: unknown, method = "POST", headers: Record<string, string> = {}): Promise<T> {
  return answered<T>(
    await fetch(path, {
      method,
      headers: { "Content-Type": "application/json", Accept: "application/json", ...authorization(), ...headers },
      body: JSON.stringify(body),
    }),
  );
}

// A file the API answers (xlsx, pdf, zip), saved by the browser under the name it gives.
export async function download(path: string, fallbackName: string): Promise<void> {
  const response = await fetch(path, { headers: authorization() });
  if (!response.ok) {
    await answered<never>(response);
  }
  const disposition = response.headers.get("Content-Disposition") ?? "";
  // RFC 6266: the UTF-8 `filename*` (the Chinese name) wins over the ASCII `filename` fallback.
  const named = /filename\*=UTF-8''([^;]+)/i.exec(disposition) ?? /filename="?([^";]+)"?/i.exec(disposition);
  const blob = await response.blob();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = named ? decodeURIComponent(named[1]) : fallbackName;
  link.click();
  URL.revokeObjectURL(link.href);
}

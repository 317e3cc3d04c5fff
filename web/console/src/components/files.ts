// A file the platform answers (a PDF to preview), fetched with the signed-in user's token, as a Blob.
import { ApiError, authorization } from "@shared/api";

export async function fetchBlob(path: string): Promise<Blob> {
  const response = await fetch(path, { headers: authorization() });
  if (response.ok) return response.blob();
  const text = await response.text();
  let body: { code?: string; message_zh?: string; message_en?: string; field?: string | null } = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = {};
  }
  throw new ApiError(response.status, {
    code: body.code ?? `HTTP_${response.status}`,
    message_zh: body.message_zh ?? `请求失败（${response.status}）`,
    message_en: body.message_en ?? `request failed (${response.status})`,
    field: body.field ?? null,
  });
}

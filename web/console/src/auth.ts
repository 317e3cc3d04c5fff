// Who is signed in. Locally the platform's dev sign-in (GET /api/v1/dev/users, POST /api/v1/dev/token) issues the
// token; a bureau plugs in its OIDC provider instead (web/README.md): either way the console only keeps a bearer token
// and the identity it names, in sessionStorage (gone when the tab closes), and sends it as `Authorization: Bearer`.
import { reactive } from "vue";
import { getJson, sendJson, useCredentials } from "@shared/api";

export interface Identity {
  user: string;
  role: string;
  admdvs: string;
  name_zh?: string;
}

interface Session extends Identity {
  token: string;
  expires_at: number; // epoch ms
}

const KEY = "ybj.console.session";

function stored(): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  const session = JSON.parse(raw) as Session;
  return session.expires_at > Date.now() ? session : null;
}

export const current = reactive<{ session: Session | null }>({ session: stored() });

useCredentials(() => current.session?.token ?? null);

export function signedIn(): boolean {
  return current.session !== null && current.session.expires_at > Date.now();
}

export function demoUsers(): Promise<Identity[]> {
  return getJson<Identity[]>("/api/v1/dev/users");
}

export async function signIn(who: Identity): Promise<void> {
  const issued = await sendJson<{ access_token: string; expires_in: number }>("/api/v1/dev/token", {
    user: who.user,
    role: who.role,
    admdvs: who.admdvs,
  });
  current.session = { ...who, token: issued.access_token, expires_at: Date.now() + issued.expires_in * 1000 };
  sessionStorage.setItem(KEY, JSON.stringify(current.session));
}

export function signOut(): void {
  current.session = null;
  sessionStorage.removeItem(KEY);
}

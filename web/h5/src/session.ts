// The channel session (issued by the gateway to the channel's server, handed to this page as ?session=…): kept for
// this tab only (sessionStorage), and taken out of the address bar at once, so that it is neither bookmarked, nor
// shared with the link, nor sent on as a referrer.

const KEY = "ybj-h5-session";

function adoptSessionFromUrl(): void {
  const url = new URL(window.location.href);
  const token = url.searchParams.get("session");
  if (token) {
    sessionStorage.setItem(KEY, token);
    url.searchParams.delete("session");
    window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
  }
}

export function sessionToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function dropSession(): void {
  sessionStorage.removeItem(KEY);
}

// At this module's evaluation, before the router reads the address (it would write it back with the token).
adoptSessionFromUrl();

/** Who is signed in (the `me` query), cached for the page's life and refreshed on login/logout. */
import { fetchMe, type Me } from './api/backend';

let current: Promise<Me | null> | null = null;
const listeners: ((me: Me | null) => void)[] = [];

export function getMe(): Promise<Me | null> {
  return (current ??= fetchMe().catch(() => null));
}

export function setMe(me: Me | null): void {
  current = Promise.resolve(me);
  for (const listener of listeners) listener(me);
}

export function onSessionChange(listener: (me: Me | null) => void): void {
  listeners.push(listener);
}

/** `/login/?next=<path>` keeps where to come back to (same-origin paths only). */
export function loginPath(next: string): string {
  return `/login/?next=${encodeURIComponent(next)}`;
}

export function safeNext(value: string | null): string {
  if (!value || !value.startsWith('/')) return '/';
  // As the browser will read it: a backslash or a control character can turn "/…" into another host.
  const here = window.location.origin;
  const target = new URL(value, here);
  return target.origin === here ? `${target.pathname}${target.search}${target.hash}` : '/';
}

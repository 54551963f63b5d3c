/** History-API navigation: links with data-link (or any same-origin <a> to an SPA route) don't reload. */
export type Page = (root: HTMLElement, url: URL) => void | (() => void) | Promise<void | (() => void)>;

let render: (url: URL) => void = () => {};

export function startRouter(onRoute: (url: URL) => void): void {
  render = onRoute;
  window.addEventListener('popstate', () => render(new URL(window.location.href)));
  document.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest?.('a');
    if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
    const url = new URL(anchor.href, window.location.href);
    if (url.origin !== window.location.origin || !isSpaPath(url.pathname)) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
  render(new URL(window.location.href));
}

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  render(new URL(window.location.href));
}

const SPA = [
  '/',
  '/login/',
  '/checkout/',
  '/checkout/return',
  '/checkout/return/',
  '/orders/',
  '/seller/',
  '/subscribe/',
  '/subscriptions/',
  '/settings/notifications',
  '/settings/notifications/',
];

/** `/subscriptions/<subscription_id>` (one segment, optional trailing slash): 내 구독 with that subscription. */
export const isSubscriptionPath = (path: string): boolean => /^\/subscriptions\/[^/]+\/?$/.test(path);

export const isSpaPath = (path: string): boolean => SPA.includes(path) || isSubscriptionPath(path);

import { ApiError } from '../api/client';
import { messageForCode } from '../checkout/messages';
import { h, replace } from '../dom';

/** Page title + main heading, focused so screen readers hear where they landed. */
export function pageHeading(root: HTMLElement, title: string): HTMLHeadingElement {
  document.title = `${title} · 마켓`;
  const heading = h('h1', { tabindex: '-1' }, title);
  root.append(heading);
  queueMicrotask(() => heading.focus({ preventScroll: true }));
  return heading;
}

/** A polite live region for status changes. */
export const statusRegion = (): HTMLParagraphElement =>
  h('p', { role: 'status', 'aria-live': 'polite', className: 'status' });

/** A container whose child <p role="alert"> appears only while there is an error. */
export function alertSlot(): { el: HTMLDivElement; show(message: string | null): void } {
  const el = h('div', { className: 'alert-slot' });
  return {
    el,
    show(message) {
      if (message) replace(el, h('p', { role: 'alert', className: 'alert' }, message));
      else el.replaceChildren();
    },
  };
}

export const errorMessage = (error: unknown): string =>
  messageForCode(error instanceof ApiError ? error.code : undefined);

export const errorCode = (error: unknown): string => (error instanceof ApiError ? error.code : 'unknown_error');

/** Refund answers after which the same request is worth retrying with the same idempotency key. */
export const RETRYABLE_REFUND_CODES = new Set([
  'network_error',
  'gateway_unavailable',
  'gateway_error',
  'cancel_in_progress',
  'internal_error',
]);

type OrderCard<T> = (order: T, reload: () => Promise<void>, status: HTMLElement) => HTMLElement;

/** An order list (my orders, seller orders, my subscriptions): loads, renders one card per order, reloads after an action. */
export async function orderList<T>(
  root: HTMLElement,
  fetchOrders: () => Promise<T[]>,
  card: OrderCard<T>,
  emptyText: string,
  loadingText = '주문을 불러오는 중입니다…',
): Promise<void> {
  const status = statusRegion();
  const alert = alertSlot();
  const list = h('div', { className: 'orders' });
  root.append(status, alert.el, list);
  const load = async () => {
    try {
      const orders = await fetchOrders();
      replace(list, orders.length === 0 ? h('p', null, emptyText) : orders.map((o) => card(o, load, status)));
    } catch (error) {
      alert.show(errorMessage(error));
    }
  };
  status.textContent = loadingText;
  await load();
  status.textContent = '';
}

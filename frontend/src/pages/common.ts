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

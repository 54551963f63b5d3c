/** The SDK's raw results (resolved or rejected) → one normalised Outcome. Pure; shared by both adapters. */
import type { Outcome } from './types';

type Raw = Record<string, unknown>;

const isObject = (value: unknown): value is Raw => typeof value === 'object' && value !== null;
const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;

/**
 * `rejected` tells whether the SDK promise rejected (cancel / error / polling error) or resolved.
 *  - resolve `{event:'done'|'issued', data:{receipt_id, order_id}}`
 *  - resolve `{event:'confirm', receipt_id, order_id}` (top-level fields, separately confirmed)
 *  - reject `{event:'cancel', error_code:'RC_CLOSE_WINDOW'}` → cancelled
 *  - reject `{event:'error', error_code, pg_error_code?, message}` or a polling error without `event` → failed
 */
export function normaliseOutcome(raw: unknown, rejected = false): Outcome {
  if (!isObject(raw)) {
    return {
      kind: 'failed',
      errorCode: 'unknown_result',
      message: raw instanceof Error ? raw.message : undefined,
    };
  }
  const event = str(raw.event);
  const errorCode = str(raw.error_code);
  const message = str(raw.message);
  const orderId = str(raw.order_id) ?? (isObject(raw.data) ? str(raw.data.order_id) : undefined);
  const withOrder = orderId ? { orderId } : {};

  if (event === 'cancel' || errorCode === 'RC_CLOSE_WINDOW') {
    return { kind: 'cancelled', errorCode, message, ...withOrder };
  }
  if (!rejected) {
    if (event === 'done' || event === 'issued') {
      const data = isObject(raw.data) ? raw.data : {};
      const receiptId = str(data.receipt_id) ?? str(raw.receipt_id);
      if (receiptId) return { kind: event, receiptId, orderId: str(data.order_id) ?? str(raw.order_id) };
    }
    if (event === 'confirm') {
      const receiptId = str(raw.receipt_id);
      if (receiptId) return { kind: 'confirm', receiptId, orderId: str(raw.order_id) };
    }
  }
  return {
    kind: 'failed',
    errorCode: errorCode ?? str(raw.pg_error_code) ?? 'unknown_result',
    message,
    ...withOrder,
  };
}

/** The redirect flavour's return: `/checkout/return?event=…&receipt_id=…&order_id=…[&error_code]`. */
export function outcomeFromQuery(query: URLSearchParams): Outcome {
  const event = query.get('event') ?? '';
  const raw: Raw = {
    event,
    receipt_id: query.get('receipt_id') ?? undefined,
    order_id: query.get('order_id') ?? undefined,
    error_code: query.get('error_code') ?? undefined,
    // No `message`: anyone can write a URL, so the page shows only its own text for the error code.
  };
  if (event === 'done' || event === 'issued') raw.data = { receipt_id: raw.receipt_id, order_id: raw.order_id };
  return normaliseOutcome(raw, event === 'cancel' || event === 'error');
}

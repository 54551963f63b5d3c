import { describe, expect, it } from 'vitest';
import { normaliseOutcome, outcomeFromQuery } from './outcome';

describe('normaliseOutcome', () => {
  it('done reads data.receipt_id and data.order_id', () => {
    expect(normaliseOutcome({ event: 'done', data: { receipt_id: 'r1', order_id: 'o1', price: 43000, status: 1 } })).toEqual({
      kind: 'done',
      receiptId: 'r1',
      orderId: 'o1',
    });
  });

  it('issued reads data.receipt_id', () => {
    expect(normaliseOutcome({ event: 'issued', data: { receipt_id: 'r2', order_id: 'o2' } })).toEqual({
      kind: 'issued',
      receiptId: 'r2',
      orderId: 'o2',
    });
  });

  it('confirm reads the top-level receipt_id', () => {
    expect(
      normaliseOutcome({ event: 'confirm', receipt_id: 'r3', order_id: 'o3', application_id: 'app', gateway_url: 'x' }),
    ).toEqual({ kind: 'confirm', receiptId: 'r3', orderId: 'o3' });
  });

  it('a rejected cancel is cancelled', () => {
    expect(normaliseOutcome({ event: 'cancel', error_code: 'RC_CLOSE_WINDOW', message: '닫힘' }, true)).toEqual({
      kind: 'cancelled',
      errorCode: 'RC_CLOSE_WINDOW',
      message: '닫힘',
    });
  });

  it('a rejected error is failed with its error_code', () => {
    expect(
      normaliseOutcome({ event: 'error', error_code: 'RC_PG_ERROR', pg_error_code: 'P123', message: '카드 거절' }, true),
    ).toEqual({ kind: 'failed', errorCode: 'RC_PG_ERROR', message: '카드 거절' });
  });

  it('an error with only pg_error_code uses it', () => {
    expect(normaliseOutcome({ event: 'error', pg_error_code: 'P9' }, true)).toMatchObject({ kind: 'failed', errorCode: 'P9' });
  });

  it('a polling error without event is failed', () => {
    expect(normaliseOutcome({ error_code: 'RC_RECEIPT_POLLING_INVALID', message: 'polling' }, true)).toEqual({
      kind: 'failed',
      errorCode: 'RC_RECEIPT_POLLING_INVALID',
      message: 'polling',
    });
  });

  it.each([null, undefined, 'done', 42, new Error('boom'), {}, { event: 'done' }, { event: 'done', data: {} }, { event: 'confirm' }])(
    'garbage %s is failed',
    (raw) => {
      expect(normaliseOutcome(raw).kind).toBe('failed');
    },
  );

  it('a rejected done-shaped value is not trusted as done', () => {
    expect(normaliseOutcome({ event: 'done', data: { receipt_id: 'r' } }, true).kind).toBe('failed');
  });
});

describe('outcomeFromQuery (redirect return)', () => {
  it('done', () => {
    expect(outcomeFromQuery(new URLSearchParams('receipt_id=r&order_id=o&event=done'))).toEqual({
      kind: 'done',
      receiptId: 'r',
      orderId: 'o',
    });
  });
  it('confirm', () => {
    expect(outcomeFromQuery(new URLSearchParams('receipt_id=r&order_id=o&event=confirm')).kind).toBe('confirm');
  });
  it('error', () => {
    expect(outcomeFromQuery(new URLSearchParams('receipt_id=r&order_id=o&event=error&error_code=RC_X'))).toMatchObject({
      kind: 'failed',
      errorCode: 'RC_X',
    });
  });
  it('cancel', () => {
    expect(outcomeFromQuery(new URLSearchParams('order_id=o&event=cancel')).kind).toBe('cancelled');
  });
});

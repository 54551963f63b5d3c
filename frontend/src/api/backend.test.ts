/** What the cash-receipt calls put on the wire (fetch stubbed). */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOrder, requestCashReceipt } from './backend';

function stubGraphQL(data: unknown) {
  const fetch = vi.fn(async () => new Response(JSON.stringify({ data }), { status: 200 }));
  vi.stubGlobal('fetch', fetch);
  return () => JSON.parse(String((fetch.mock.calls[0] as unknown as [string, RequestInit])[1].body)) as {
    query: string;
    variables: Record<string, unknown>;
  };
}

const created = { createOrder: { __typename: 'CreateOrderSuccess', order: { orderId: 'ord_1' } } };
const items = [{ productId: '7', quantity: 2 }];

afterEach(() => vi.unstubAllGlobals());

describe('createOrder', () => {
  it('sends 소득공제 / 지출증빙 as input.cashReceipt {type, identifier}', async () => {
    const sent = stubGraphQL(created);
    await createOrder(items, { type: 'income_deduction', identifier: '01012345678' });
    expect(sent().variables).toEqual({ input: { items, cashReceipt: { type: 'income_deduction', identifier: '01012345678' } } });
    expect(sent().query).toContain('cashReceipt {');
  });

  it('신청 안 함 (or no choice) sends no cashReceipt', async () => {
    let sent = stubGraphQL(created);
    await createOrder(items, { type: 'none', identifier: '' });
    expect(sent().variables).toEqual({ input: { items } });
    sent = stubGraphQL(created);
    await createOrder(items);
    expect(sent().variables).toEqual({ input: { items } });
  });
});

describe('requestCashReceipt', () => {
  it('sends orderId, type and identifier and resolves on success', async () => {
    const sent = stubGraphQL({ requestCashReceipt: { __typename: 'RequestCashReceiptSuccess' } });
    await requestCashReceipt('ord_1', 'expense_proof', '1248100998');
    expect(sent().variables).toEqual({ orderId: 'ord_1', type: 'expense_proof', identifier: '1248100998' });
  });

  it('throws the error code of an OperationError / InputError', async () => {
    stubGraphQL({ requestCashReceipt: { __typename: 'OperationError', code: 'cash_receipt_in_progress', message: 'busy' } });
    await expect(requestCashReceipt('ord_1', 'income_deduction', '01012345678')).rejects.toMatchObject({
      code: 'cash_receipt_in_progress',
    });
  });
});

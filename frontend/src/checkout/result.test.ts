/**
 * What the checkout tells the buyer comes from the status our server answered, never from the payment
 * window's event or the return URL (anyone can write one); the return page shows only our own text.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Outcome, PaymentWidget } from '../payment/types';
import { outcomeFromQuery } from '../payment/outcome';
import { CheckoutMachine, type CheckoutDeps, type CheckoutOrder, type CheckoutPayment } from './machine';

const order: CheckoutOrder = {
  orderId: 'ord_1',
  orderName: '사과',
  status: 'pending_payment',
  totalAmount: 43000,
  taxFreeAmount: 0,
  payments: [],
};

function machineWith(verified: CheckoutPayment, outcomes: Outcome[] = []) {
  const widget: PaymentWidget = {
    mount: vi.fn(async () => {}),
    onMethodChange: (cb) => cb(true),
    updateAmount: vi.fn(),
    setEscrow: vi.fn(),
    pay: vi.fn(async () => outcomes.shift() ?? { kind: 'failed' as const }),
    closeOverlay: vi.fn(),
    teardown: vi.fn(),
  };
  const deps: CheckoutDeps = {
    createOrder: vi.fn(async () => order),
    loadOrder: vi.fn(async () => order),
    checkoutConfig: vi.fn(async () => ({ webApplicationId: 'a', widgetKey: 'w', mode: 'sandbox', separatelyConfirmed: false })),
    verifyPayment: vi.fn(async () => verified),
    confirmPayment: vi.fn(async () => ({ ...verified, status: 'paid' })),
    createWidget: () => widget,
    openType: () => 'iframe',
    redirectUrl: () => 'http://localhost/checkout/return',
  };
  return new CheckoutMachine(deps);
}

describe('the result shown follows the server status', () => {
  it('a crafted return URL (event=done) for a receipt awaiting approval is not shown as paid', async () => {
    const machine = machineWith({ paymentId: 'pay_1', status: 'awaiting_confirm', amount: 43000 });
    await machine.returnFrom(outcomeFromQuery(new URLSearchParams('receipt_id=r1&order_id=ord_1&event=done')));
    expect(machine.state.phase).toBe('blocked');
    expect(machine.state.error?.code).toBe('payment_unsettled');
  });

  it('a done outcome whose verified payment is still `ready` is not shown as paid', async () => {
    const machine = machineWith({ paymentId: 'pay_1', status: 'ready', amount: 43000 }, [
      { kind: 'done', receiptId: 'r1', orderId: 'ord_1' },
    ]);
    await machine.start({ orderId: 'ord_1' }, document.createElement('div'));
    await machine.pay();
    expect(machine.state.phase).not.toBe('paid');
  });

  it('event=issued on a card payment the server says is paid is shown as paid, not as a virtual account', async () => {
    const machine = machineWith({ paymentId: 'pay_1', status: 'paid', amount: 43000 });
    await machine.returnFrom(outcomeFromQuery(new URLSearchParams('receipt_id=r1&order_id=ord_1&event=issued')));
    expect(machine.state.phase).toBe('paid');
  });
});

describe('the return page shows no text from its URL', () => {
  it('an attacker-chosen `message` is not displayed as our alert', async () => {
    const machine = machineWith({ paymentId: 'pay_1', status: 'paid', amount: 1 });
    const bait = '보안 점검: 010-0000-0000 으로 전화해 카드 번호를 확인하세요.';
    await machine.returnFrom(outcomeFromQuery(new URLSearchParams({ event: 'error', order_id: 'ord_1', message: bait })));
    expect(machine.state.error?.message ?? '').not.toContain(bait);
  });
});

import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import type { MountParams, Outcome, PaymentWidget } from '../payment/types';
import { CheckoutMachine, TEXT, type CheckoutDeps, type CheckoutOrder, type CheckoutPayment } from './machine';

const order: CheckoutOrder = {
  orderId: 'ord_1',
  orderName: '사과 외 1건',
  status: 'pending_payment',
  totalAmount: 43000,
  taxFreeAmount: 3000,
  payments: [],
};
const paid: CheckoutPayment = { paymentId: 'pay_1', status: 'paid', amount: 43000 };

class FakeWidget implements PaymentWidget {
  mounted: MountParams | null = null;
  listeners: ((c: boolean) => void)[] = [];
  outcomes: Outcome[] = [];
  pay = vi.fn(async () => this.outcomes.shift() ?? { kind: 'failed' as const, errorCode: 'none' });
  closeOverlay = vi.fn();
  teardown = vi.fn();
  updateAmount = vi.fn();
  setEscrow = vi.fn();
  async mount(_el: HTMLElement, params: MountParams) {
    this.mounted = params;
  }
  onMethodChange(cb: (c: boolean) => void) {
    this.listeners.push(cb);
  }
  complete() {
    for (const l of this.listeners) l(true);
  }
}

function setup(overrides: Partial<CheckoutDeps> = {}) {
  const widget = new FakeWidget();
  const calls: string[] = [];
  const deps: CheckoutDeps = {
    createOrder: vi.fn(async () => order),
    loadOrder: vi.fn(async () => order),
    checkoutConfig: vi.fn(async () => ({ webApplicationId: 'app', widgetKey: 'wk', mode: 'sandbox', separatelyConfirmed: true })),
    verifyPayment: vi.fn(async () => {
      calls.push('verify');
      return { ...paid, status: 'awaiting_confirm' };
    }),
    confirmPayment: vi.fn(async () => {
      calls.push('confirm');
      return paid;
    }),
    createWidget: vi.fn(() => widget),
    openType: () => 'iframe',
    redirectUrl: () => 'http://localhost/checkout/return',
    ...overrides,
  };
  widget.closeOverlay.mockImplementation(() => calls.push('closeOverlay'));
  const machine = new CheckoutMachine(deps);
  const el = document.createElement('div');
  return { machine, widget, deps, calls, el };
}

describe('CheckoutMachine', () => {
  it('creates the order and mounts the widget with the SERVER amount', async () => {
    const { machine, widget, deps, el } = setup();
    await machine.start({ items: [{ productId: 'p1', quantity: 2 }] }, el);
    expect(deps.createOrder).toHaveBeenCalledWith([{ productId: 'p1', quantity: 2 }], null);
    expect(widget.mounted).toMatchObject({ price: 43000, taxFree: 3000, orderName: '사과 외 1건', applicationId: 'app', widgetKey: 'wk', separatelyConfirmed: true, openType: 'iframe' });
    expect(machine.state.phase).toBe('ready');
    expect(machine.canPay).toBe(false); // no method yet
    widget.complete();
    expect(machine.canPay).toBe(true);
  });

  it('sends the buyer\'s 현금영수증 choice with createOrder', async () => {
    const { machine, deps, el } = setup();
    const cashReceipt = { type: 'income_deduction' as const, identifier: '01012345678' };
    await machine.start({ items: [{ productId: 'p1', quantity: 1 }], cashReceipt }, el);
    expect(deps.createOrder).toHaveBeenCalledWith([{ productId: 'p1', quantity: 1 }], cashReceipt);
  });

  it('a refused 현금영수증 identifier blocks before any widget, and the same machine can start again', async () => {
    const { machine, widget, deps, el } = setup();
    vi.mocked(deps.createOrder).mockRejectedValueOnce(new ApiError('cash_receipt_identifier_invalid', 'bad'));
    await machine.start({ items: [{ productId: 'p1', quantity: 1 }], cashReceipt: { type: 'expense_proof', identifier: '1234567890' } }, el);
    expect(machine.state.phase).toBe('blocked');
    expect(machine.state.error?.code).toBe('cash_receipt_identifier_invalid');
    expect(machine.state.error?.message).toContain('현금영수증 번호가 올바르지 않습니다');
    expect(widget.mounted).toBeNull();
    await machine.start({ items: [{ productId: 'p1', quantity: 1 }], cashReceipt: { type: 'none', identifier: '' } }, el);
    expect(machine.state.phase).toBe('ready');
  });

  it('resumes ?order= with loadOrder and passes redirect_url for the redirect flavour', async () => {
    const { machine, widget, deps, el } = setup({ openType: () => 'redirect' });
    await machine.start({ orderId: 'ord_1' }, el);
    expect(deps.loadOrder).toHaveBeenCalledWith('ord_1');
    expect(deps.createOrder).not.toHaveBeenCalled();
    expect(widget.mounted).toMatchObject({ openType: 'redirect', redirectUrl: 'http://localhost/checkout/return' });
  });

  it('done → verifyPayment → paid', async () => {
    const { machine, widget, deps, el } = setup({ verifyPayment: vi.fn(async () => paid) });
    await machine.start({ orderId: 'ord_1' }, el);
    widget.complete();
    widget.outcomes.push({ kind: 'done', receiptId: 'r1', orderId: 'ord_1' });
    await machine.pay();
    expect(deps.verifyPayment).toHaveBeenCalledWith('ord_1', 'r1');
    expect(deps.confirmPayment).not.toHaveBeenCalled();
    expect(machine.state).toMatchObject({ phase: 'paid', status: TEXT.paid, payment: paid, error: null });
  });

  it('confirm → verify, then confirm, then closeOverlay', async () => {
    const { machine, widget, deps, calls, el } = setup();
    await machine.start({ orderId: 'ord_1' }, el);
    widget.complete();
    widget.outcomes.push({ kind: 'confirm', receiptId: 'r2', orderId: 'ord_1' });
    await machine.pay();
    expect(calls).toEqual(['verify', 'confirm', 'closeOverlay']);
    expect(deps.confirmPayment).toHaveBeenCalledWith('pay_1');
    expect(machine.state.phase).toBe('paid');
  });

  it('confirm closes the overlay even when the server refuses', async () => {
    const { machine, widget, calls, el } = setup({
      confirmPayment: vi.fn(async () => {
        throw new ApiError('gateway_error', 'x');
      }),
    });
    await machine.start({ orderId: 'ord_1' }, el);
    widget.complete();
    widget.outcomes.push({ kind: 'confirm', receiptId: 'r2' });
    await machine.pay();
    expect(calls).toEqual(['verify', 'closeOverlay']);
    expect(machine.state.error?.code).toBe('gateway_error');
    expect(machine.state.phase).toBe('ready');
  });

  it('issued → verify and show our payment virtual account', async () => {
    const issued: CheckoutPayment = {
      paymentId: 'pay_2',
      status: 'awaiting_deposit',
      amount: 43000,
      virtualAccount: { bankName: '국민은행', accountNumber: '123-456', holder: '마켓', dueAt: '2030-01-01T00:00:00+09:00' },
    };
    const { machine, widget, el } = setup({ verifyPayment: vi.fn(async () => issued) });
    await machine.start({ orderId: 'ord_1' }, el);
    widget.complete();
    widget.outcomes.push({ kind: 'issued', receiptId: 'r3' });
    await machine.pay();
    expect(machine.state).toMatchObject({ phase: 'issued', payment: issued });
  });

  it('after a closed window or a failure the page is told it may enable the pay button again', async () => {
    const { machine, widget, el } = setup({
      verifyPayment: vi.fn(async () => {
        throw new ApiError('amount_mismatch', 'no');
      }),
    });
    await machine.start({ orderId: 'ord_1' }, el);
    widget.complete();
    const enabledAtLastNotice: boolean[] = [];
    machine.subscribe(() => enabledAtLastNotice.push(machine.canPay));
    for (const outcome of [
      { kind: 'cancelled', errorCode: 'RC_CLOSE_WINDOW' },
      { kind: 'done', receiptId: 'tampered' },
    ] as Outcome[]) {
      enabledAtLastNotice.length = 0;
      widget.outcomes.push(outcome);
      await machine.pay();
      expect(machine.state.phase).toBe('ready');
      expect(enabledAtLastNotice.at(-1)).toBe(true); // what the page rendered last
    }
  });

  it('cancelled → message, and the SAME order is payable again', async () => {
    const { machine, widget, deps, el } = setup({ verifyPayment: vi.fn(async () => paid) });
    await machine.start({ items: [{ productId: 'p1', quantity: 1 }] }, el);
    widget.complete();
    widget.outcomes.push({ kind: 'cancelled', errorCode: 'RC_CLOSE_WINDOW' });
    await machine.pay();
    expect(machine.state).toMatchObject({ phase: 'ready', status: '결제창이 닫혔습니다. 다시 결제할 수 있습니다.', error: null });
    expect(machine.canPay).toBe(true);
    widget.outcomes.push({ kind: 'done', receiptId: 'r4' });
    await machine.pay();
    expect(widget.pay).toHaveBeenCalledTimes(2);
    expect(widget.pay.mock.calls.map((c) => (c as unknown[])[0])).toEqual([
      { orderId: 'ord_1', orderName: '사과 외 1건' },
      { orderId: 'ord_1', orderName: '사과 외 1건' },
    ]);
    expect(deps.createOrder).toHaveBeenCalledTimes(1);
    expect(machine.state.phase).toBe('paid');
  });

  it('a double click on pay starts one payment', async () => {
    const { machine, widget, el } = setup({ verifyPayment: vi.fn(async () => paid) });
    await machine.start({ orderId: 'ord_1' }, el);
    widget.complete();
    let resolve!: (o: Outcome) => void;
    widget.pay.mockImplementationOnce(() => new Promise<Outcome>((r) => (resolve = r)));
    const first = machine.pay();
    const second = machine.pay();
    expect(machine.canPay).toBe(false);
    resolve({ kind: 'done', receiptId: 'r5' });
    await Promise.all([first, second]);
    expect(widget.pay).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['amount_mismatch', '결제 금액이 주문 금액과 달라', 'ready'],
    ['receipt_already_used', '이미 다른 결제에 사용된', 'ready'],
    ['receipt_order_mismatch', '이 주문과 맞지 않습니다', 'ready'],
    ['gateway_unavailable', '결제사에 연결할 수 없습니다', 'ready'],
    ['gateway_error', '결제사에서 오류가 발생했습니다', 'ready'],
    ['validation_error', '올바르지 않습니다', 'ready'],
    ['order_not_payable', '더 이상 결제할 수 없습니다', 'blocked'],
    ['permission_denied', '권한이 없습니다', 'blocked'],
    ['not_authenticated', '로그인이 필요합니다', 'blocked'],
    ['something_new', '요청을 처리하지 못했습니다', 'ready'],
  ])('verify error %s → Korean message', async (code, text, phase) => {
    const { machine, widget, el } = setup({
      verifyPayment: vi.fn(async () => {
        throw new ApiError(code, 'english');
      }),
    });
    await machine.start({ orderId: 'ord_1' }, el);
    widget.complete();
    widget.outcomes.push({ kind: 'done', receiptId: 'r6' });
    await machine.pay();
    expect(machine.state.error?.code).toBe(code);
    expect(machine.state.error?.message).toContain(text);
    expect(machine.state.phase).toBe(phase);
  });

  it('a failed payment window shows a Korean message and stays payable', async () => {
    const { machine, widget, deps, el } = setup();
    await machine.start({ orderId: 'ord_1' }, el);
    widget.complete();
    widget.outcomes.push({ kind: 'failed', errorCode: 'RC_PG_FAILED', message: '카드 한도 초과' });
    await machine.pay();
    expect(deps.verifyPayment).not.toHaveBeenCalled();
    expect(machine.state.error).toEqual({ code: 'RC_PG_FAILED', message: '카드 한도 초과 다시 시도해 주세요.' });
    expect(machine.canPay).toBe(true);
  });

  it('createOrder errors block with their message', async () => {
    const { machine, el } = setup({
      createOrder: vi.fn(async () => {
        throw new ApiError('insufficient_stock', 'no');
      }),
    });
    await machine.start({ items: [{ productId: 'p', quantity: 9 }] }, el);
    expect(machine.state.phase).toBe('blocked');
    expect(machine.state.error?.message).toContain('재고가 부족한');
  });

  it('an order that is no longer pending is not payable', async () => {
    const { machine, deps, el } = setup({ loadOrder: vi.fn(async () => ({ ...order, status: 'paid' })) });
    await machine.start({ orderId: 'ord_1' }, el);
    expect(machine.state.phase).toBe('blocked');
    expect(deps.createWidget).not.toHaveBeenCalled();
  });

  it('the return page verifies then confirms for event=confirm', async () => {
    const { machine, calls } = setup();
    await machine.returnFrom({ kind: 'confirm', receiptId: 'r7', orderId: 'ord_1' });
    expect(calls).toEqual(['verify', 'confirm']);
    expect(machine.state).toMatchObject({ phase: 'paid', order });
  });

  it('the return page after a closed window offers the same order again', async () => {
    const { machine } = setup();
    await machine.returnFrom({ kind: 'cancelled', orderId: 'ord_1' });
    expect(machine.state).toMatchObject({ phase: 'blocked', status: TEXT.cancelled, order });
  });

  describe('에스크로(구매안전) 결제', () => {
    const eligible: CheckoutOrder = { ...order, escrowEligible: true };

    it('is not choosable for an order the server did not mark eligible', async () => {
      const { machine, widget, el } = setup();
      await machine.start({ orderId: 'ord_1' }, el);
      expect(machine.escrowChoosable).toBe(false);
      machine.setEscrow(true);
      expect(machine.state.escrow).toBe(false);
      expect(widget.setEscrow).not.toHaveBeenCalled();
      expect(widget.mounted?.escrow).toBe(false);
    });

    it('an eligible order mounts without escrow, then the choice reaches the widget', async () => {
      const { machine, widget, el } = setup({ loadOrder: vi.fn(async () => eligible) });
      await machine.start({ orderId: 'ord_1' }, el);
      expect(widget.mounted?.escrow).toBe(false);
      expect(machine.escrowChoosable).toBe(true);
      machine.setEscrow(true);
      expect(machine.state.escrow).toBe(true);
      expect(widget.setEscrow).toHaveBeenLastCalledWith(true);
      machine.setEscrow(true); // no change, no second call
      expect(widget.setEscrow).toHaveBeenCalledTimes(1);
      machine.setEscrow(false);
      expect(widget.setEscrow).toHaveBeenLastCalledWith(false);
    });

    it('is fixed while a payment runs', async () => {
      let finish: (o: Outcome) => void = () => {};
      const { machine, widget, el } = setup({ loadOrder: vi.fn(async () => eligible) });
      widget.pay.mockImplementation(() => new Promise<Outcome>((resolve) => (finish = resolve)));
      await machine.start({ orderId: 'ord_1' }, el);
      machine.setEscrow(true);
      widget.complete();
      const paying = machine.pay();
      expect(machine.escrowChoosable).toBe(false);
      machine.setEscrow(false);
      expect(machine.state.escrow).toBe(true);
      expect(widget.setEscrow).toHaveBeenCalledTimes(1);
      finish({ kind: 'cancelled' });
      await paying;
      expect(machine.escrowChoosable).toBe(true); // closed window: payable (and choosable) again
    });
  });
});

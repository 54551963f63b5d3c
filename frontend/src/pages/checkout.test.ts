/** The checkout page's 에스크로(구매안전) 결제 checkbox, with the API and the widget mocked. */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { PaymentWidget } from '../payment/types';

const api = vi.hoisted(() => ({
  fetchMe: vi.fn(),
  fetchOrder: vi.fn(),
  fetchCheckoutConfig: vi.fn(),
  createOrder: vi.fn(),
  verifyPayment: vi.fn(),
  confirmPayment: vi.fn(),
  verifyIdentity: vi.fn(),
}));
vi.mock('../api/backend', () => api);

const widget = vi.hoisted(() => ({
  mount: vi.fn(async () => {}),
  onMethodChange: vi.fn(),
  updateAmount: vi.fn(),
  setEscrow: vi.fn(),
  pay: vi.fn(),
  closeOverlay: vi.fn(),
  teardown: vi.fn(),
}));
vi.mock('../payment', () => ({
  createPaymentWidget: () => widget as unknown as PaymentWidget,
  createIdentityVerifier: vi.fn(),
  preferredOpenType: () => 'iframe',
  RETURN_PATH: '/checkout/return',
}));

// The 성인 인증 step itself is tested in adult.test.ts; here it passes at once.
const adult = vi.hoisted(() => ({ adultStep: vi.fn(async () => {}) }));
vi.mock('./adult', () => adult);

import { checkoutPage } from './checkout';

const order = {
  orderId: 'ord_1',
  orderName: '무선 키보드 외 1건',
  status: 'pending_payment',
  totalAmount: 30000,
  taxFreeAmount: 0,
  payments: [],
};

async function open(escrowEligible: boolean) {
  api.fetchMe.mockResolvedValue({ username: 'buyer', isStaff: false, isSeller: false });
  api.fetchOrder.mockResolvedValue({ ...order, escrowEligible });
  api.fetchCheckoutConfig.mockResolvedValue({ webApplicationId: 'a', widgetKey: 'w', mode: 'sandbox', separatelyConfirmed: false });
  const root = document.createElement('div');
  document.body.replaceChildren(root);
  await checkoutPage(root, new URL('http://localhost/checkout/?order=ord_1'));
  await vi.waitFor(() => expect(widget.mount).toHaveBeenCalled());
  await vi.waitFor(() => expect(root.querySelector<HTMLFieldSetElement>('.escrow-choice')).not.toBeNull());
  return root;
}

const checkbox = (root: HTMLElement) => root.querySelector<HTMLInputElement>('input[name=escrow]')!;

beforeEach(() => {
  for (const fn of [...Object.values(api), ...Object.values(widget)]) fn.mockReset();
  widget.mount.mockImplementation(async () => {});
});

describe('checkout: 에스크로(구매안전) 결제', () => {
  it('is not offered for an order that is not escrowEligible', async () => {
    const root = await open(false);
    await vi.waitFor(() => expect(root.querySelector('[role=status]')?.textContent).toContain('결제 수단'));
    expect(root.querySelector<HTMLFieldSetElement>('.escrow-choice')!.hidden).toBe(true);
  });

  it('is offered for an eligible order, unticked, and ticking it reaches the widget', async () => {
    const root = await open(true);
    await vi.waitFor(() => expect(root.querySelector<HTMLFieldSetElement>('.escrow-choice')!.hidden).toBe(false));
    const box = checkbox(root);
    expect(box.closest('label')?.textContent?.trim()).toBe('에스크로(구매안전) 결제');
    expect(box.checked).toBe(false);
    expect((widget.mount.mock.calls[0] as unknown[])[1]).toMatchObject({ escrow: false });
    box.checked = true;
    box.dispatchEvent(new Event('change'));
    expect(widget.setEscrow).toHaveBeenCalledWith(true);
  });
});

describe('checkout: 현금영수증 before the order (from the cart)', () => {
  const cartLine = { productId: '7', name: '무선 키보드', unitPrice: 18000, sellerId: '1', sellerName: '가게', quantity: 2 };

  async function fromCart() {
    localStorage.setItem('checkout.cart.v1', JSON.stringify([cartLine]));
    api.fetchMe.mockResolvedValue({ username: 'buyer', isStaff: false, isSeller: false });
    api.fetchCheckoutConfig.mockResolvedValue({ webApplicationId: 'a', widgetKey: 'w', mode: 'sandbox', separatelyConfirmed: false });
    const root = document.createElement('div');
    document.body.replaceChildren(root);
    await checkoutPage(root, new URL('http://localhost/checkout/'));
    const form = root.querySelector<HTMLFormElement>('form.order-form')!;
    const radio = (value: string) => form.querySelector<HTMLInputElement>(`input[type=radio][value=${value}]`)!;
    const choose = (value: string) => {
      radio(value).checked = true;
      radio(value).dispatchEvent(new Event('change'));
    };
    const identifier = form.querySelector<HTMLInputElement>('input[name=cash-receipt-identifier]')!;
    const submit = () => form.dispatchEvent(new Event('submit', { cancelable: true }));
    return { root, form, radio, choose, identifier, submit };
  }

  it('shows the cart lines and the 현금영수증 section (with its notes) before creating any order', async () => {
    const { root, form, radio } = await fromCart();
    expect(api.createOrder).not.toHaveBeenCalled();
    expect(form.textContent).toContain('무선 키보드');
    expect(form.querySelector('fieldset.cash-receipt legend')?.textContent).toBe('현금영수증');
    expect(form.textContent).toContain('가상계좌·계좌이체');
    expect(form.textContent).toContain('010-000-1234');
    expect(radio('none').checked).toBe(true);
    expect(root.querySelector<HTMLButtonElement>('button.pay')!.hidden).toBe(true);
  });

  it('sends 소득공제 with the phone number (digits) with createOrder, then shows the choice masked', async () => {
    api.createOrder.mockResolvedValue({ ...order, escrowEligible: false, cashReceipt: null });
    const { root, choose, identifier, submit } = await fromCart();
    choose('income_deduction');
    identifier.value = '010-1234-5678';
    submit();
    await vi.waitFor(() => expect(widget.mount).toHaveBeenCalled());
    expect(api.createOrder).toHaveBeenCalledWith([{ productId: '7', quantity: 2 }], {
      type: 'income_deduction',
      identifier: '01012345678',
    });
    expect(root.querySelector('form.order-form')).toBeNull();
    const summary = root.querySelector<HTMLElement>('.cash-receipt-summary')!;
    expect(summary.hidden).toBe(false);
    expect(summary.textContent).toContain('소득공제');
    expect(summary.textContent).toContain('010-****-5678');
  });

  it('an invalid number never reaches createOrder', async () => {
    const { choose, identifier, submit } = await fromCart();
    choose('expense_proof');
    identifier.value = '123-45-67890';
    submit();
    expect(api.createOrder).not.toHaveBeenCalled();
    expect(identifier.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(identifier);
  });

  it('the server refusing the number puts the form back with the message under the field', async () => {
    const { ApiError } = await import('../api/client');
    api.createOrder.mockRejectedValueOnce(new ApiError('cash_receipt_identifier_invalid', 'bad'));
    const { root, choose, identifier, submit, form } = await fromCart();
    choose('income_deduction');
    identifier.value = '01012345678';
    submit();
    await vi.waitFor(() => expect(identifier.getAttribute('aria-invalid')).toBe('true'));
    expect(identifier.disabled).toBe(false);
    expect(form.querySelector<HTMLButtonElement>('button[type=submit]')!.disabled).toBe(false);
    expect(root.querySelector('[role=alert]')).toBeNull();
    api.createOrder.mockResolvedValueOnce({ ...order, escrowEligible: false });
    identifier.value = '01098765432';
    submit();
    await vi.waitFor(() => expect(widget.mount).toHaveBeenCalled());
    expect(api.createOrder).toHaveBeenLastCalledWith([{ productId: '7', quantity: 2 }], {
      type: 'income_deduction',
      identifier: '01098765432',
    });
  });

  it('after 성인 인증 (adult_verification_required) the order is made again with the same 현금영수증 choice', async () => {
    const { ApiError } = await import('../api/client');
    api.createOrder
      .mockRejectedValueOnce(new ApiError('adult_verification_required', 'adult'))
      .mockResolvedValueOnce({ ...order, escrowEligible: false });
    const { choose, identifier, submit } = await fromCart();
    choose('expense_proof');
    identifier.value = '124-81-00998';
    submit();
    await vi.waitFor(() => expect(widget.mount).toHaveBeenCalled());
    expect(adult.adultStep).toHaveBeenCalledTimes(1);
    expect(api.createOrder).toHaveBeenCalledTimes(2);
    expect(api.createOrder).toHaveBeenLastCalledWith([{ productId: '7', quantity: 2 }], {
      type: 'expense_proof',
      identifier: '1248100998',
    });
  });

  it('신청 안 함 is sent as such', async () => {
    api.createOrder.mockResolvedValue({ ...order, escrowEligible: false });
    const { submit } = await fromCart();
    submit();
    await vi.waitFor(() => expect(api.createOrder).toHaveBeenCalledWith([{ productId: '7', quantity: 2 }], { type: 'none', identifier: '' }));
  });
});

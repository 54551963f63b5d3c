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

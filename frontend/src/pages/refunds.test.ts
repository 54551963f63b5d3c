/** Refunds on 내 주문 and 판매자: asked before money goes back; a virtual account's refund account form. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const api = vi.hoisted(() => ({
  fetchMe: vi.fn(),
  fetchSellerOrders: vi.fn(),
  fetchMyOrders: vi.fn(),
  fetchRefundAccountRules: vi.fn(),
  markItemShipped: vi.fn(),
  cancelPayment: vi.fn(),
  cancelOrder: vi.fn(),
}));
vi.mock('../api/backend', () => api);
vi.mock('../statement/api', () => ({
  fetchSellerStatement: vi.fn().mockResolvedValue({ sellers: [], total: null }),
}));

import { setMe } from '../session';
import { ordersPage } from './orders';
import { sellerPage } from './seller';

const RULES = {
  banks: [
    { code: '004', name: 'KB국민은행' },
    { code: '088', name: '신한은행' },
  ],
  rule: { minDigits: 10, maxDigits: 16, holderMaxLength: 50 },
};
const line = (id: string, productName: string, lineTotal: number) => ({
  id,
  productName,
  quantity: 1,
  lineTotal,
  unitPrice: lineTotal,
  isTaxFree: false,
  status: 'paid',
  shipped: false,
  courier: '',
  trackingNumber: '',
  shippedAt: null,
  seller: { id: '1', name: '키보드상회' },
});

const NO_PARTIAL = {
  action: 'line_cancel',
  code: 'partial_cancel_unsupported',
  message: '이 PG사는 부분 취소를 지원하지 않습니다. 결제 전체를 취소하거나, 차액은 부트페이 밖에서 돌려주세요.',
};
// What the server's rules table says of the payment (`actions`): by default a PG that takes partial cancels.
const actions = (overrides: Record<string, unknown> = {}) => ({
  cancel: true,
  partialCancel: true,
  lineCancel: true,
  refundAccountRequired: false,
  reasons: [] as (typeof NO_PARTIAL)[],
  ...overrides,
});
const WHOLE_ONLY = actions({ partialCancel: false, lineCancel: false, reasons: [{ ...NO_PARTIAL, action: 'partial_cancel' }, NO_PARTIAL] });

function order(method: string, paymentActions = actions({ refundAccountRequired: method === 'vbank' })) {
  return {
    orderId: 'ord_1',
    status: 'paid',
    orderName: '무선 키보드 외 1건',
    totalAmount: 30000,
    taxFreeAmount: 0,
    createdAt: '2026-12-01T12:00:00+00:00',
    escrowEligible: true,
    escrow: null,
    cashReceipt: null,
    payments: [
      { paymentId: 'pay_1', status: 'paid', method, methodName: method, cancelledAmount: 0, virtualAccount: null, actions: paymentActions },
    ],
    items: [line('11', '무선 키보드', 18000), line('12', '무선 마우스', 12000)],
  };
}

async function renderOrders(method: string, paymentActions?: ReturnType<typeof actions>) {
  setMe({ username: 'buyer', isStaff: false, isSeller: false }); // the session is cached for the page's life
  api.fetchMyOrders.mockResolvedValue([order(method, paymentActions)]);
  api.fetchRefundAccountRules.mockResolvedValue(RULES);
  const root = document.createElement('div');
  document.body.replaceChildren(root);
  await ordersPage(root, new URL('http://localhost/orders/'));
  const byLabel = (text: string) => {
    const label = [...root.querySelectorAll('label')].find((l) => l.textContent === text)!;
    return document.getElementById(label.htmlFor) as HTMLInputElement & HTMLSelectElement;
  };
  const tick = (name: string) => {
    const box = [...root.querySelectorAll<HTMLLabelElement>('label')]
      .find((l) => l.textContent === `환불할 상품: ${name}`)!
      .querySelector('input')!;
    box.checked = true;
  };
  const button = (text: string) => [...root.querySelectorAll('button')].find((b) => b.textContent === text);
  const submit = () => button('선택 상품 환불 요청')!.click();
  return { root, byLabel, tick, submit, button };
}

let confirm: ReturnType<typeof vi.fn>;
beforeEach(() => {
  for (const fn of Object.values(api)) fn.mockReset();
  confirm = vi.fn(() => true);
  vi.stubGlobal('confirm', confirm);
});
afterEach(() => vi.unstubAllGlobals());

describe('내 주문 line refund', () => {
  it('asks first, and a no sends nothing', async () => {
    const page = await renderOrders('card');
    page.tick('무선 키보드');
    page.byLabel('환불 사유').value = '단순 변심';
    confirm.mockReturnValue(false);
    page.submit();
    expect(confirm).toHaveBeenCalledWith('무선 키보드 (18,000원)을(를) 환불하시겠습니까? 환불을 요청하면 되돌릴 수 없습니다.');
    expect(api.cancelPayment).not.toHaveBeenCalled();
    expect(api.fetchRefundAccountRules).not.toHaveBeenCalled(); // a card payment asks for no account
  });

  it('a card refund sends the ticked lines once confirmed', async () => {
    api.cancelPayment.mockResolvedValue({ cancelId: 'c', amount: 30000, state: 'succeeded' });
    const page = await renderOrders('card');
    page.tick('무선 키보드');
    page.tick('무선 마우스');
    page.byLabel('환불 사유').value = '단순 변심';
    page.submit();
    await vi.waitFor(() => expect(api.cancelPayment).toHaveBeenCalledTimes(1));
    expect(confirm.mock.calls[0][0]).toContain('무선 키보드 외 1개 상품 (30,000원)');
    expect(api.cancelPayment.mock.calls[0][0]).toMatchObject({ paymentId: 'pay_1', reason: '단순 변심', itemIds: ['11', '12'] });
    expect(api.cancelPayment.mock.calls[0][0].refund).toBeUndefined();
  });

  it('a virtual-account refund picks the bank from the server list and sends the account digits', async () => {
    api.cancelPayment.mockResolvedValue({ cancelId: 'c', amount: 18000, state: 'succeeded' });
    const page = await renderOrders('vbank');
    expect(api.fetchRefundAccountRules).toHaveBeenCalledTimes(1);
    const bank = page.byLabel('환불 은행');
    expect([...bank.options].map((o) => o.textContent)).toEqual(['은행 선택', 'KB국민은행', '신한은행']);
    page.tick('무선 키보드');
    page.byLabel('환불 사유').value = '단순 변심';

    page.submit(); // no account yet: shown under the fields, nothing asked or sent
    expect(bank.getAttribute('aria-invalid')).toBe('true');
    expect(confirm).not.toHaveBeenCalled();

    bank.value = '088';
    page.byLabel('환불 계좌번호').value = '110-123-456789';
    page.byLabel('예금주').value = '홍길동';
    page.submit();
    await vi.waitFor(() => expect(api.cancelPayment).toHaveBeenCalledTimes(1));
    expect(api.cancelPayment.mock.calls[0][0].refund).toEqual({
      bankCode: '088',
      bankAccount: '110123456789',
      bankUsername: '홍길동',
    });
  });
});

describe('내 주문 refunds follow what the PG takes', () => {
  it('where the PG takes no partial cancel, offers only the whole refund and says why', async () => {
    api.cancelPayment.mockResolvedValue({ cancelId: 'c', amount: 30000, state: 'succeeded' });
    const page = await renderOrders('card', WHOLE_ONLY);
    expect(page.root.querySelectorAll('input[type=checkbox]')).toHaveLength(0);
    expect(page.button('선택 상품 환불 요청')).toBeUndefined();
    expect(page.root.querySelector('.refund-note')!.textContent).toBe(NO_PARTIAL.message);
    page.byLabel('환불 사유').value = '단순 변심';
    page.button('전체 환불 요청')!.click();
    await vi.waitFor(() => expect(api.cancelPayment).toHaveBeenCalledTimes(1));
    expect(api.cancelPayment.mock.calls[0][0]).toMatchObject({ itemIds: ['11', '12'] });
  });

  it('offers nothing once a line is shipped, and says why', async () => {
    const shipped = order('card', WHOLE_ONLY);
    shipped.items[1] = { ...shipped.items[1], shipped: true };
    setMe({ username: 'buyer', isStaff: false, isSeller: false });
    api.fetchMyOrders.mockResolvedValue([shipped]);
    const root = document.createElement('div');
    await ordersPage(root, new URL('http://localhost/orders/'));
    expect(root.querySelector('form.refund')).toBeNull();
    expect(root.querySelector('.refund-note')!.textContent).toBe(NO_PARTIAL.message);
  });

  it('offers nothing the PG refuses outright, in the server\'s words', async () => {
    const over = actions({
      cancel: false,
      partialCancel: false,
      lineCancel: false,
      reasons: ['cancel', 'partial_cancel', 'line_cancel'].map((action) => ({
        action,
        code: 'cancel_period_over',
        message: '휴대폰 결제는 결제한 달이 지나면 취소할 수 없습니다.',
      })),
    });
    const page = await renderOrders('phone', over);
    expect(page.root.querySelector('form.refund')).toBeNull();
    expect(page.root.querySelector('.refund-note')!.textContent).toContain('결제한 달이 지나면');
  });
});

describe('판매자 lines', () => {
  const sellerLine = (id: string) => ({ ...line(id, '무선 키보드', 18000) });
  const sellerOrder = (orderId: string, paymentActions = actions()) => ({
    orderId,
    status: 'paid',
    createdAt: '2026-12-01T12:00:00+00:00',
    paymentId: 'pay_1',
    paymentActions,
    escrow: null,
    items: [sellerLine('11')],
  });

  async function renderSeller(paymentActions = actions()) {
    setMe({ username: 'seller', isStaff: false, isSeller: true });
    api.fetchSellerOrders.mockResolvedValue([sellerOrder('ord_1', paymentActions), sellerOrder('ord_2', paymentActions)]);
    const root = document.createElement('div');
    document.body.replaceChildren(root);
    await sellerPage(root, new URL('http://localhost/seller/'));
    return root;
  }

  it('names each ship form (a landmark) uniquely, with its order', async () => {
    const root = await renderSeller();
    const names = [...root.querySelectorAll('form.ship-form')].map((f) => f.getAttribute('aria-label'));
    expect(names).toEqual(['발송 정보: 무선 키보드 (주문 ord_1)', '발송 정보: 무선 키보드 (주문 ord_2)']);
  });

  it('asks before refunding a line; a no sends nothing', async () => {
    const root = await renderSeller();
    const reason = root.querySelector<HTMLInputElement>('input[name=reason]')!;
    reason.value = '품절';
    confirm.mockReturnValue(false);
    root.querySelector<HTMLButtonElement>('.row-actions button[type=button]')!.click();
    expect(confirm).toHaveBeenCalledWith('무선 키보드 (18,000원)을(를) 환불하시겠습니까? 환불을 요청하면 되돌릴 수 없습니다.');
    expect(api.cancelPayment).not.toHaveBeenCalled();
  });

  it('offers no line refund where the PG takes no partial cancel, and says why', async () => {
    const root = await renderSeller(WHOLE_ONLY);
    expect([...root.querySelectorAll('button')].filter((b) => b.textContent?.startsWith('환불:'))).toHaveLength(0);
    expect(root.querySelector('.refund-note')!.textContent).toBe(`환불: ${NO_PARTIAL.message}`);
  });

  it('quantities and amounts are number cells', async () => {
    const root = await renderSeller();
    const row = root.querySelector('tbody tr')!;
    expect([...row.querySelectorAll('.num')].map((c) => c.textContent)).toEqual(['1개', '18,000원']);
  });
});

/** 내 주문's 현금영수증 section: what is shown, and the request / change form against a mocked request. */
import { describe, expect, it, vi } from 'vitest';
import type { Order } from '../api/backend';
import { ApiError } from '../api/client';
import { cashReceiptSection } from './orderView';

const vbank = {
  paymentId: 'pay_1',
  receiptId: 'r_1',
  status: 'paid',
  amount: 120000,
  taxFreeAmount: 0,
  cancelledAmount: 0,
  cancellableAmount: 120000,
  method: 'vbank',
  methodName: '가상계좌',
  createdAt: '2026-12-01T12:00:00+09:00',
  virtualAccount: null,
};

function order(patch: Record<string, unknown> = {}, payment: Record<string, unknown> = {}): Order {
  return {
    orderId: 'ord_1',
    status: 'paid',
    orderName: '무선 키보드',
    totalAmount: 120000,
    taxFreeAmount: 0,
    expiresAt: null,
    createdAt: '2026-12-01T12:00:00+09:00',
    paidAt: '2026-12-01T12:05:00+09:00',
    escrowEligible: true,
    escrow: null,
    cashReceipt: null,
    items: [],
    payments: [{ ...vbank, ...payment }],
    ...patch,
  } as unknown as Order;
}

const issued = {
  type: 'income_deduction',
  identifierMasked: '010-****-5678',
  approvalNo: 'CR-123456',
  amount: 120000,
  status: 'issued',
  issuedAt: '2026-12-01T12:06:00+09:00',
};

function mount(o: Order, request = vi.fn(async () => {})) {
  const reload = vi.fn(async () => {});
  const status = document.createElement('p');
  const el = cashReceiptSection(o, reload, status, { request });
  document.body.replaceChildren(...(el ? [el, status] : [status]));
  return { el, reload, status, request };
}

const button = (name: string) => [...document.querySelectorAll('button')].find((b) => b.textContent === name);
const facts = (el: HTMLElement) =>
  Object.fromEntries([...el.querySelectorAll('dt')].map((dt) => [dt.textContent, dt.nextElementSibling?.textContent]));

async function submit(el: HTMLElement) {
  el.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
  await vi.waitFor(() => expect(el.querySelector<HTMLButtonElement>('button[type=submit]')!.disabled).toBe(false));
}

describe('내 주문: 현금영수증', () => {
  it('is not shown for a card payment without a receipt', () => {
    expect(mount(order({}, { method: 'card', methodName: '카드' })).el).toBeNull();
  });

  it('shows an issued receipt in Korean: type, masked number, approval number, amount, status, date', () => {
    const { el } = mount(order({ cashReceipt: issued }));
    expect(el!.querySelector('h3')?.textContent).toBe('현금영수증');
    const shown = facts(el!);
    expect(shown['유형']).toBe('소득공제');
    expect(shown['발급 번호']).toBe('010-****-5678');
    expect(shown['승인번호']).toBe('CR-123456');
    expect(shown['금액']).toBe('120,000원');
    expect(shown['상태']).toBe('발급 완료');
    expect(shown['발급일']).toMatch(/2026/);
    expect(button('현금영수증 변경')).toBeDefined();
  });

  it('a requested receipt not issued yet reads 발급 대기', () => {
    const { el } = mount(
      order({ status: 'pending_payment', cashReceipt: { ...issued, approvalNo: null, status: 'pending', issuedAt: null } }, { status: 'awaiting_deposit' }),
    );
    const shown = facts(el!);
    expect(shown['상태']).toBe('발급 대기');
    expect(shown['승인번호']).toBe('-');
    expect(shown['발급일']).toBe('-');
    expect(button('현금영수증 변경')).toBeUndefined(); // not paid yet
  });

  it('none requested: says so, notes 자진발급 from 100,000 won, and offers 현금영수증 신청 once paid', () => {
    const { el } = mount(order());
    expect(el!.textContent).toContain('신청하지 않았습니다');
    expect(el!.textContent).toContain('010-000-1234');
    const toggle = button('현금영수증 신청')!;
    const form = el!.querySelector('form')!;
    expect(form.hidden).toBe(true);
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(toggle.getAttribute('aria-controls')).toBe(form.id);
    toggle.click();
    expect(form.hidden).toBe(false);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect([...form.querySelectorAll('label.choice')].map((l) => l.textContent?.trim())).toEqual(['소득공제', '지출증빙']);
  });

  it('no 자진발급 note under 100,000 won', () => {
    const { el } = mount(order({ totalAmount: 99000 }));
    expect(el!.textContent).not.toContain('010-000-1234');
  });

  it('sends the checked identifier (digits only), says so and reloads', async () => {
    const { el, request, reload, status } = mount(order());
    button('현금영수증 신청')!.click();
    el!.querySelector<HTMLInputElement>('input[name=cash-receipt-identifier]')!.value = '010-1234-5678';
    el!.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await vi.waitFor(() => expect(reload).toHaveBeenCalled()); // the card is drawn again from the server's order
    expect(request).toHaveBeenCalledWith('ord_1', 'income_deduction', '01012345678');
    expect(status.textContent).toBe('현금영수증을 신청했습니다.');
  });

  it('a wrong business number is refused before any request', async () => {
    const { el, request } = mount(order());
    button('현금영수증 신청')!.click();
    const radio = [...el!.querySelectorAll<HTMLInputElement>('input[type=radio]')].find((r) => r.value === 'expense_proof')!;
    radio.checked = true;
    radio.dispatchEvent(new Event('change'));
    el!.querySelector<HTMLInputElement>('input[name=cash-receipt-identifier]')!.value = '124-81-00997';
    el!.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    expect(request).not.toHaveBeenCalled();
    expect(el!.querySelector('.field-error')?.textContent).toContain('올바른 사업자등록번호가 아닙니다');
  });

  it.each([
    ['cash_receipt_not_applicable', '현금영수증을 신청할 수 없습니다'],
    ['cash_receipt_in_progress', '잠시 후 다시 시도해 주세요'],
  ])('%s is shown as an alert, the form stays usable', async (code, text) => {
    const { el, reload } = mount(order({ cashReceipt: issued }), vi.fn(async () => Promise.reject(new ApiError(code, 'x'))));
    button('현금영수증 변경')!.click();
    el!.querySelector<HTMLInputElement>('input[name=cash-receipt-identifier]')!.value = '01099998888';
    await submit(el!);
    expect(el!.querySelector('[role=alert]')?.textContent).toContain(text);
    expect(reload).not.toHaveBeenCalled();
    expect(el!.querySelector<HTMLInputElement>('input[name=cash-receipt-identifier]')!.disabled).toBe(false);
  });

  it('cash_receipt_identifier_invalid from the server is shown under the number', async () => {
    const { el } = mount(order(), vi.fn(async () => Promise.reject(new ApiError('cash_receipt_identifier_invalid', 'x'))));
    button('현금영수증 신청')!.click();
    const input = el!.querySelector<HTMLInputElement>('input[name=cash-receipt-identifier]')!;
    input.value = '01012345678';
    await submit(el!);
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(el!.querySelector('.field-error')?.textContent).toContain('현금영수증 번호가 올바르지 않습니다');
    expect(el!.querySelector('[role=alert]')).toBeNull();
  });

  it('a change starts from the current type and says the old receipt is cancelled and re-issued', () => {
    const { el } = mount(order({ cashReceipt: { ...issued, type: 'expense_proof', identifierMasked: '124-**-*0998' } }));
    button('현금영수증 변경')!.click();
    const checked = el!.querySelector<HTMLInputElement>('input[type=radio]:checked')!;
    expect(checked.value).toBe('expense_proof');
    expect(el!.textContent).toContain('취소하고');
    expect(button('변경하기')).toBeDefined();
  });

  it('a fully refunded order offers no request', () => {
    const { el } = mount(order({ status: 'refunded', cashReceipt: { ...issued, status: 'cancelled' } }, { status: 'cancelled' }));
    expect(facts(el!)['상태']).toBe('발급 취소');
    expect(button('현금영수증 변경')).toBeUndefined();
  });
});

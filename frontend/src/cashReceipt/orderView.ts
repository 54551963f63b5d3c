/**
 * 내 주문's 현금영수증 part of an order card: the receipt (type, masked number, approval number, amount, status,
 * issued date) or that none was requested, and, for a paid cash-like order, a form to request one or change
 * it (the server cancels the old receipt and issues a new one).
 */
import { requestCashReceipt, type Order } from '../api/backend';
import { ApiError } from '../api/client';
import { messageForCode } from '../checkout/messages';
import { h } from '../dom';
import { formatDateTime, formatWon } from '../format';
import { alertSlot } from '../pages/common';
import { cashReceiptForm } from './form';
import {
  type CashReceiptType,
  CHECKOUT_NOTES,
  cashReceiptStatusText,
  cashReceiptTypeText,
  isCashLikeMethod,
  SELF_ISSUE_THRESHOLD,
} from './rules';

const PAID_PAYMENT = new Set(['paid', 'partially_cancelled']);
const REQUESTABLE_ORDER = new Set(['paid', 'partially_refunded']);

export interface CashReceiptSectionDeps {
  request: (orderId: string, type: string, identifier: string) => Promise<void>;
}

const liveDeps: CashReceiptSectionDeps = {
  request: (orderId, type, identifier) => requestCashReceipt(orderId, type, identifier),
};

/** The section, or null for an order with no receipt that was not paid in cash (card etc.). */
export function cashReceiptSection(
  order: Order,
  reload: () => Promise<void>,
  status: HTMLElement,
  deps: CashReceiptSectionDeps = liveDeps,
): HTMLElement | null {
  const receipt = order.cashReceipt ?? null;
  const payment = order.payments.find((p) => PAID_PAYMENT.has(p.status) || p.status === 'awaiting_deposit');
  const cashLike = isCashLikeMethod(payment?.method);
  if (!receipt && !cashLike) return null;

  const headingId = `cash-receipt-heading-${order.orderId}`;
  const facts = receipt
    ? h(
        'dl',
        { className: 'facts cash-receipt-facts' },
        h('dt', null, '유형'),
        h('dd', null, cashReceiptTypeText(receipt.type)),
        receipt.identifierMasked && [h('dt', null, '발급 번호'), h('dd', null, receipt.identifierMasked)],
        h('dt', null, '승인번호'),
        h('dd', null, receipt.approvalNo || '-'),
        receipt.amount != null && [h('dt', null, '금액'), h('dd', null, formatWon(receipt.amount))],
        h('dt', null, '상태'),
        h('dd', null, cashReceiptStatusText(receipt.status)),
        h('dt', null, '발급일'),
        h('dd', null, receipt.issuedAt ? formatDateTime(receipt.issuedAt) : '-'),
      )
    : h('p', null, '신청하지 않았습니다.');
  const selfIssue =
    !receipt && (order.totalAmount ?? 0) >= SELF_ISSUE_THRESHOLD && h('p', { className: 'hint' }, CHECKOUT_NOTES.selfIssue);

  const canRequest =
    cashLike && payment !== undefined && PAID_PAYMENT.has(payment.status) && REQUESTABLE_ORDER.has(order.status);
  return h(
    'section',
    { className: 'order-cash-receipt', 'aria-labelledby': headingId },
    h('h3', { id: headingId }, '현금영수증'),
    facts,
    selfIssue,
    !canRequest && cashLike && payment?.status === 'awaiting_deposit' && h('p', { className: 'hint' }, CHECKOUT_NOTES.changeLater),
    canRequest && requestControl(order, receipt?.type ?? null, reload, status, deps),
  );
}

function requestControl(
  order: Order,
  currentType: string | null,
  reload: () => Promise<void>,
  status: HTMLElement,
  deps: CashReceiptSectionDeps,
): HTMLElement {
  const changing = currentType !== null;
  const action = changing ? '현금영수증 변경' : '현금영수증 신청';
  const formId = `cash-receipt-request-${order.orderId}`;
  const toggle = h('button', { type: 'button', 'aria-expanded': 'false', 'aria-controls': formId }, action);
  const alert = alertSlot();
  const fields = cashReceiptForm({
    idPrefix: order.orderId,
    legend: changing ? '새로 발급할 현금영수증' : '발급할 현금영수증',
    allowNone: false,
    initial: currentType === 'expense_proof' ? 'expense_proof' : ('income_deduction' as CashReceiptType),
    notes: changing ? ['지금의 현금영수증을 취소하고, 입력한 번호로 다시 발급합니다.'] : [],
  });
  const submit = h('button', { type: 'submit', className: 'primary' }, changing ? '변경하기' : '신청하기');
  const form = h('form', { id: formId, hidden: true, novalidate: true, 'aria-label': action }, fields.el, alert.el, submit);

  toggle.addEventListener('click', () => {
    const open = form.hidden;
    form.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (open) form.querySelector<HTMLInputElement>('input[type=radio]:checked')?.focus();
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    alert.show(null);
    const choice = fields.read();
    if (!choice) return;
    submit.disabled = true;
    fields.setDisabled(true);
    status.textContent = changing ? '현금영수증을 바꾸는 중입니다…' : '현금영수증을 신청하는 중입니다…';
    try {
      await deps.request(order.orderId, choice.type, choice.identifier);
      status.textContent = changing ? '현금영수증 변경을 요청했습니다.' : '현금영수증을 신청했습니다.';
      await reload();
    } catch (error) {
      status.textContent = '';
      submit.disabled = false;
      fields.setDisabled(false);
      const code = error instanceof ApiError ? error.code : 'unknown_error';
      if (!fields.showServerError(code)) alert.show(messageForCode(code));
    }
  });

  return h('div', { className: 'cash-receipt-request' }, toggle, form);
}

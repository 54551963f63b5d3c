import {
  cancelOrder,
  cancelPayment,
  fetchMyOrders,
  fetchRefundAccountRules,
  type Order,
  type Payment,
} from '../api/backend';
import { ApiError } from '../api/client';
import { cashReceiptSection } from '../cashReceipt/orderView';
import { h } from '../dom';
import { formatDateTime, formatWon, itemStatusText, orderStatusText, paymentStatusText } from '../format';
import { AttemptKey } from '../idempotency';
import { refundAccountForm, type RefundAccountForm } from '../refund/accountForm';
import { refundConfirmText, type RefundAccountRules } from '../refund/rules';
import { navigate } from '../router';
import { getMe, loginPath } from '../session';
import { ESCROW_LABEL } from '../shipping';
import { alertSlot, errorCode, errorMessage, orderList, pageHeading, RETRYABLE_REFUND_CODES } from './common';
import { virtualAccountView } from './views';

const REFUNDABLE_PAYMENT = new Set(['paid', 'partially_cancelled']);

const livePayment = (order: Order): Payment | undefined =>
  order.payments.find((p) => REFUNDABLE_PAYMENT.has(p.status) || p.status === 'awaiting_deposit');

function statusText(order: Order): string {
  if (order.status === 'pending_payment' && order.payments.some((p) => p.status === 'awaiting_deposit')) return '입금 대기';
  return orderStatusText(order.status);
}

/**
 * What a refund of this payment asks for besides the lines and a reason: a deposited virtual account has no card
 * to return the money to, so Bootpay needs the buyer's own bank account (the server's rule, `actions`).
 */
const refundNeedsAccount = (payment: Payment): boolean => payment.actions.refundAccountRequired;

const refundableLines = (order: Order, payment: Payment | undefined): Order['items'] =>
  payment !== undefined && REFUNDABLE_PAYMENT.has(payment.status)
    ? order.items.filter((item) => item.status === 'paid' && !item.shipped)
    : [];

/**
 * The refund this card offers, from what the payment's PG takes (`payment.actions`, the server's rules table):
 * chosen lines; or, where the PG takes no partial cancel, only everything at once (every line still paid and
 * none shipped, nothing refunded yet); or none, with the server's reason, which says what to do instead.
 */
export type RefundOffer = { kind: 'lines' } | { kind: 'whole'; note: string } | { kind: 'none'; note: string };

export function refundOffer(order: Order, payment: Payment | undefined): RefundOffer | null {
  if (payment === undefined || refundableLines(order, payment).length === 0) return null;
  const { actions } = payment;
  const why = (action: string) => actions.reasons.find((reason) => reason.action === action)?.message ?? '';
  if (actions.lineCancel) return { kind: 'lines' };
  const untouched = payment.cancelledAmount === 0 && order.items.every((item) => item.status === 'paid' && !item.shipped);
  if (actions.cancel && untouched) return { kind: 'whole', note: why('line_cancel') };
  return { kind: 'none', note: why('cancel') || why('line_cancel') };
}

export async function ordersPage(root: HTMLElement, url: URL): Promise<void> {
  if (!(await getMe())) return navigate(loginPath(url.pathname), { replace: true });
  pageHeading(root, '내 주문');
  // The refund-account form is built from the server's banks and rule: loaded with the orders, once, when an
  // order needs it, so every card is drawn complete in one go.
  let rules: RefundAccountRules | null = null;
  const load = async (): Promise<Order[]> => {
    const orders = await fetchMyOrders();
    const needsRules = orders.some((order) => {
      const payment = livePayment(order);
      const offer = refundOffer(order, payment);
      return payment !== undefined && refundNeedsAccount(payment) && offer !== null && offer.kind !== 'none';
    });
    if (needsRules && rules === null) rules = await fetchRefundAccountRules();
    return orders;
  };
  await orderList(root, load, (order, reload, status) => orderCard(order, reload, status, rules), '주문 내역이 없습니다.');
}

function orderCard(
  order: Order,
  reload: () => Promise<void>,
  status: HTMLElement,
  rules: RefundAccountRules | null,
): HTMLElement {
  const alert = alertSlot();
  const payment = livePayment(order);
  const offer = refundOffer(order, payment);
  const refundableIds = new Set(refundableLines(order, payment).map((item) => item.id));
  const refundable: RefundableLine[] = [];

  const lines = order.items.map((item) => {
    const choosable = offer?.kind === 'lines' && refundableIds.has(item.id);
    const checkbox = choosable ? h('input', { type: 'checkbox', value: item.id }) : null;
    if (checkbox) refundable.push({ checkbox, item });
    return h(
      'li',
      { className: 'line' },
      checkbox
        ? h('label', null, checkbox, h('span', { className: 'visually-hidden' }, '환불할 상품: '), item.productName)
        : h('span', null, item.productName),
      h('span', null, ` × ${item.quantity}`),
      h('span', { className: 'amount' }, formatWon(item.lineTotal)),
      h('span', { className: 'badge' }, item.shipped ? '발송됨' : itemStatusText(item.status)),
      shipmentLine(item),
    );
  });

  const actions: HTMLElement[] = [];
  // A virtual account awaiting deposit is neither payable again nor cancellable here (the deposit decides).
  if (order.status === 'pending_payment' && payment?.status !== 'awaiting_deposit') {
    const cancel = h('button', { type: 'button' }, '주문 취소');
    cancel.addEventListener('click', async () => {
      cancel.disabled = true;
      alert.show(null);
      try {
        await cancelOrder(order.orderId);
        status.textContent = `주문 ${order.orderId}을(를) 취소했습니다.`;
        await reload();
      } catch (error) {
        alert.show(errorMessage(error));
        cancel.disabled = false;
      }
    });
    actions.push(h('a', { href: `/checkout/?order=${encodeURIComponent(order.orderId)}`, className: 'button primary' }, '결제하기'), cancel);
  }

  const context = { reload, status, alert };
  let refundForm: HTMLElement | null = null;
  if (payment && offer?.kind === 'lines' && refundable.length > 0) {
    refundForm = lineRefundForm(order, payment, refundable, rules, context);
  } else if (payment && offer?.kind === 'whole') {
    const everything = refundableLines(order, payment).map((item) => ({ checkbox: null, item }));
    refundForm = h('div', null, refundNote(offer.note), lineRefundForm(order, payment, everything, rules, context));
  } else if (offer?.kind === 'none') {
    refundForm = refundNote(offer.note);
  }

  const headingId = `order-${order.orderId}`;
  return h(
    'article',
    { className: 'card order', 'aria-labelledby': headingId },
    h('h2', { id: headingId }, `주문 ${order.orderId}`),
    h(
      'p',
      { className: 'order-meta' },
      h('span', { className: 'badge status-badge' }, statusText(order)),
      ` ${formatDateTime(order.createdAt)} · ${order.totalAmount == null ? '' : formatWon(order.totalAmount)}`,
    ),
    h('ul', { className: 'lines' }, lines),
    payment &&
      h(
        'p',
        { className: 'payment-meta' },
        `결제: ${paymentStatusText(payment.status)}${payment.methodName ? ` · ${payment.methodName}` : ''}`,
        payment.cancelledAmount > 0 && ` · 환불 ${formatWon(payment.cancelledAmount)}`,
        order.escrow && ` · ${ESCROW_LABEL}`,
      ),
    payment?.status === 'awaiting_deposit' &&
      payment.virtualAccount && [h('h3', null, '입금 계좌'), virtualAccountView(payment.virtualAccount)],
    cashReceiptSection(order, reload, status),
    refundForm,
    actions.length > 0 && h('div', { className: 'actions' }, actions),
    alert.el,
  );
}

interface RefundableLine {
  checkbox: HTMLInputElement | null; // null: refunded with every other line, never on its own
  item: Order['items'][number];
}

/** Why this payment cannot be refunded line by line (or at all) here, in the server's words. */
const refundNote = (note: string): HTMLElement => h('p', { className: 'refund-note', role: 'note' }, note);

interface CardContext {
  reload: () => Promise<void>;
  status: HTMLElement;
  alert: ReturnType<typeof alertSlot>;
}

/**
 * 선택 상품 환불 요청: the reason, the refund account when the payment needs one, then the request, after the buyer
 * confirmed what goes back. The lines are the card's ticked checkboxes.
 */
function lineRefundForm(
  order: Order,
  payment: Payment,
  lines: RefundableLine[],
  rules: RefundAccountRules | null,
  { reload, status, alert }: CardContext,
): HTMLFormElement | null {
  let account: RefundAccountForm | null = null;
  if (refundNeedsAccount(payment)) {
    if (!rules) return null; // never: the page loads the banks with such an order (or says it could not)
    account = refundAccountForm(order.orderId, rules);
  }
  const attempt = new AttemptKey();
  const reasonId = `reason-${order.orderId}`;
  const reason = h('input', { id: reasonId, name: 'reason', required: true, maxlength: '200' });
  const wholeOnly = lines.every((line) => line.checkbox === null);
  const submit = h('button', { type: 'submit' }, wholeOnly ? '전체 환불 요청' : '선택 상품 환불 요청');
  const form = h(
    'form',
    { className: 'refund' },
    h('div', { className: 'field refund-reason' }, h('label', { for: reasonId }, '환불 사유'), reason),
    account?.el,
    submit,
  );
  form.noValidate = true; // the checks below say what is missing, in Korean, where it is
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = lines.filter((line) => line.checkbox === null || line.checkbox.checked).map((line) => line.item);
    if (chosen.length === 0) return alert.show('환불할 상품을 선택해 주세요.');
    if (!reason.value.trim()) {
      reason.focus();
      return alert.show('환불 사유를 입력해 주세요.');
    }
    alert.show(null);
    const refund = account ? account.read() : null;
    if (account && !refund) return;
    const total = chosen.reduce((sum, item) => sum + item.lineTotal, 0);
    if (!window.confirm(refundConfirmText(chosen.map((item) => item.productName), total))) return;
    const args = {
      paymentId: payment.paymentId,
      reason: reason.value.trim(),
      itemIds: chosen.map((item) => item.id),
      ...(refund ? { refund } : {}),
    };
    const idempotencyKey = attempt.for(JSON.stringify(args));
    submit.disabled = true;
    status.textContent = '환불을 요청하는 중입니다…';
    try {
      const cancellation = await cancelPayment({ ...args, idempotencyKey });
      attempt.settle();
      status.textContent = `${formatWon(cancellation.amount)} 환불을 요청했습니다.`;
      await reload();
    } catch (error) {
      if (!RETRYABLE_REFUND_CODES.has(errorCode(error))) attempt.settle();
      status.textContent = '';
      if (!(error instanceof ApiError && account?.showServerError(error))) alert.show(errorMessage(error));
      submit.disabled = false;
    }
  });
  return form;
}

/** A shipped line's courier, tracking number and shipped date (택배사 · 송장번호 · 발송일). */
function shipmentLine(item: Order['items'][number]): HTMLElement | null {
  if (!item.shipped || !(item.courier || item.trackingNumber || item.shippedAt)) return null;
  return h(
    'dl',
    { className: 'facts line-shipment', 'aria-label': `배송 정보: ${item.productName}` },
    item.courier && [h('dt', null, '택배사'), h('dd', null, item.courier)],
    item.trackingNumber && [h('dt', null, '송장번호'), h('dd', null, item.trackingNumber)],
    item.shippedAt && [h('dt', null, '발송일'), h('dd', null, formatDateTime(item.shippedAt))],
  );
}

import { cancelOrder, cancelPayment, fetchMyOrders, type Order, type Payment } from '../api/backend';
import { cashReceiptSection } from '../cashReceipt/orderView';
import { h } from '../dom';
import { formatDateTime, formatWon, itemStatusText, orderStatusText, paymentStatusText } from '../format';
import { AttemptKey } from '../idempotency';
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

export async function ordersPage(root: HTMLElement, url: URL): Promise<void> {
  if (!(await getMe())) return navigate(loginPath(url.pathname), { replace: true });
  pageHeading(root, '내 주문');
  await orderList(root, fetchMyOrders, orderCard, '주문 내역이 없습니다.');
}

function orderCard(order: Order, reload: () => Promise<void>, status: HTMLElement): HTMLElement {
  const alert = alertSlot();
  const payment = livePayment(order);
  const canRefund = payment !== undefined && REFUNDABLE_PAYMENT.has(payment.status);
  const checkboxes: { input: HTMLInputElement; itemId: string }[] = [];
  const attempt = new AttemptKey();

  const lines = order.items.map((item) => {
    const refundable = canRefund && item.status === 'paid' && !item.shipped;
    const checkbox = refundable ? h('input', { type: 'checkbox', value: item.id }) : null;
    if (checkbox) checkboxes.push({ input: checkbox, itemId: item.id });
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

  let refundForm: HTMLFormElement | null = null;
  if (checkboxes.length > 0 && payment) {
    const reasonId = `reason-${order.orderId}`;
    const reason = h('input', { id: reasonId, name: 'reason', required: true, maxlength: '200' });
    const submit = h('button', { type: 'submit' }, '선택 상품 환불 요청');
    // A deposited virtual account has no card to refund to: Bootpay needs the buyer's own account.
    const account = payment.method === 'vbank' ? refundAccountFields(order.orderId) : null;
    refundForm = h(
      'form',
      { className: 'refund' },
      h('div', { className: 'field' }, h('label', { for: reasonId }, '환불 사유'), reason),
      account?.fieldset ?? null,
      submit,
    );
    refundForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      const itemIds = checkboxes.filter((c) => c.input.checked).map((c) => c.itemId);
      if (itemIds.length === 0) return alert.show('환불할 상품을 선택해 주세요.');
      if (!reason.value.trim()) return alert.show('환불 사유를 입력해 주세요.');
      const refund = account?.value();
      if (account && !refund) return alert.show('환불 받을 계좌의 은행 코드(숫자 3자리), 계좌번호, 예금주를 입력해 주세요.');
      const args = { paymentId: payment.paymentId, reason: reason.value.trim(), itemIds, ...(refund ? { refund } : {}) };
      const idempotencyKey = attempt.for(JSON.stringify(args));
      submit.disabled = true;
      alert.show(null);
      status.textContent = '환불을 요청하는 중입니다…';
      try {
        const cancellation = await cancelPayment({ ...args, idempotencyKey });
        attempt.settle();
        status.textContent = `${formatWon(cancellation.amount)} 환불을 요청했습니다.`;
        await reload();
      } catch (error) {
        if (!RETRYABLE_REFUND_CODES.has(errorCode(error))) attempt.settle();
        status.textContent = '';
        alert.show(errorMessage(error));
        submit.disabled = false;
      }
    });
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

/** The refund account inputs for a virtual-account payment; `value()` is null until all three are filled. */
function refundAccountFields(orderId: string) {
  const field = (name: string, label: string, attrs: Record<string, string>) => {
    const id = `refund-${name}-${orderId}`;
    const input = h('input', { id, name, required: true, ...attrs });
    return { input, el: h('div', { className: 'field' }, h('label', { for: id }, label), input) };
  };
  const bank = field('bank-code', '환불 은행 코드', { inputmode: 'numeric', pattern: '[0-9]{3}', maxlength: '3' });
  const number = field('bank-account', '환불 계좌번호', { inputmode: 'numeric', maxlength: '30' });
  const holder = field('bank-username', '예금주', { maxlength: '20' });
  return {
    fieldset: h('fieldset', { className: 'refund-account' }, h('legend', null, '환불 받을 계좌'), bank.el, number.el, holder.el),
    // Only "filled in" here: the server checks the account's shape (validation_error names the field).
    value() {
      const bankCode = bank.input.value.trim();
      const bankAccount = number.input.value.trim();
      const bankUsername = holder.input.value.trim();
      return bankCode && bankAccount && bankUsername ? { bankCode, bankAccount, bankUsername } : null;
    },
  };
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

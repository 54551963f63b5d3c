import { cancelPayment, fetchSellerOrders, markItemShipped, type SellerOrder } from '../api/backend';
import { h } from '../dom';
import { formatDateTime, formatWon, itemStatusText, orderStatusText } from '../format';
import { AttemptKey } from '../idempotency';
import { refundConfirmText } from '../refund/rules';
import { navigate } from '../router';
import { getMe, loginPath } from '../session';
import {
  checkShipment,
  COURIERS,
  ESCROW_LABEL,
  escrowStateText,
  SHIPPING_FIELD_MAX,
  shipmentText,
} from '../shipping';
import { alertSlot, errorCode, errorMessage, orderList, pageHeading, RETRYABLE_REFUND_CODES } from './common';
import { statementSection } from './statement';

export async function sellerPage(root: HTMLElement, url: URL): Promise<void> {
  const me = await getMe();
  if (!me) return navigate(loginPath(url.pathname), { replace: true });
  pageHeading(root, '판매자 주문');
  if (!me.isSeller) {
    const alert = alertSlot();
    root.append(alert.el);
    alert.show('판매자 계정으로 로그인해야 볼 수 있습니다.');
    return;
  }
  await Promise.all([
    statementSection(root),
    orderList(root, fetchSellerOrders, sellerOrderCard, '주문이 없습니다.'),
  ]);
}

// The lines table's columns. Quantities and amounts are right-aligned and never wrap; the actions column takes
// what is left (styles.css, `.lines-table`).
const COLUMNS: [string, string][] = [
  ['상품', 'product-cell'],
  ['수량', 'num'],
  ['금액', 'num'],
  ['상태', 'state-cell'],
  ['처리', 'actions-cell'],
];

function sellerOrderCard(order: SellerOrder, reload: () => Promise<void>, status: HTMLElement): HTMLElement {
  const alert = alertSlot();
  // Sellers may cancel their own lines of the order's live payment (they never see the payment itself), where
  // its PG takes a partial cancel (`paymentActions`, the server's rules); else the server says why and what instead.
  const paymentId = order.paymentId;
  const lineRefunds = order.paymentActions?.lineCancel ?? false;
  const refusal = order.paymentActions?.reasons.find((reason) => reason.action === 'line_cancel');
  const rows = order.items.map((item) => {
    const attempt = new AttemptKey();
    const cells: (HTMLElement | null)[] = [];
    if (item.status === 'paid' && !item.shipped) cells.push(shipForm(order, item, reload, status, alert));
    if (item.status === 'paid' && lineRefunds) {
      const reasonId = `seller-reason-${order.orderId}-${item.id}`;
      const reason = h('input', { id: reasonId, name: 'reason', maxlength: '200' });
      const refund = h('button', { type: 'button' }, `환불: ${item.productName}`);
      refund.addEventListener('click', async () => {
        if (!reason.value.trim()) return alert.show('환불 사유를 입력해 주세요.');
        if (!paymentId) return alert.show('아직 결제되지 않은 주문입니다.');
        if (!window.confirm(refundConfirmText([item.productName], item.lineTotal))) return;
        const args = { paymentId, reason: reason.value.trim(), itemIds: [item.id] };
        const idempotencyKey = attempt.for(JSON.stringify(args));
        refund.disabled = true;
        alert.show(null);
        try {
          const cancellation = await cancelPayment({ ...args, idempotencyKey });
          attempt.settle();
          status.textContent = `${item.productName}: ${formatWon(cancellation.amount)} 환불을 요청했습니다.`;
          await reload();
        } catch (error) {
          if (!RETRYABLE_REFUND_CODES.has(errorCode(error))) attempt.settle();
          alert.show(errorMessage(error));
          refund.disabled = false;
        }
      });
      cells.push(h('span', { className: 'field inline' }, h('label', { for: reasonId }, '환불 사유'), reason), refund);
    }
    return h(
      'tr',
      null,
      h('th', { scope: 'row', className: 'product-cell' }, item.productName),
      h('td', { className: 'num' }, `${item.quantity}개`),
      h('td', { className: 'num' }, formatWon(item.lineTotal)),
      h('td', { className: 'state-cell' }, item.shipped ? shippedCell(item) : itemStatusText(item.status)),
      h('td', { className: 'actions-cell' }, h('div', { className: 'row-actions' }, cells)),
    );
  });
  const headingId = `seller-order-${order.orderId}`;
  return h(
    'article',
    { className: 'card order', 'aria-labelledby': headingId },
    h('h2', { id: headingId }, `주문 ${order.orderId}`),
    h('p', { className: 'order-meta' }, `${orderStatusText(order.status)} · ${formatDateTime(order.createdAt)}`),
    escrowState(order),
    refusal && order.items.some((item) => item.status === 'paid') && h('p', { className: 'refund-note', role: 'note' }, `환불: ${refusal.message}`),
    h(
      'table',
      { className: 'lines-table' },
      h('thead', null, h('tr', null, COLUMNS.map(([text, className]) => h('th', { scope: 'col', className }, text)))),
      h('tbody', null, rows),
    ),
    alert.el,
  );
}

// --- Shipping (발송 처리) and the escrow registration ----------------------------------------------------

type SellerLine = SellerOrder['items'][number];

/**
 * 발송 처리 for one line: 택배사 (select) + 송장번호, then the button. For an escrow payment both are required
 * (the server registers the first shipment with the PG); otherwise both or neither.
 */
function shipForm(
  order: SellerOrder,
  item: SellerLine,
  reload: () => Promise<void>,
  status: HTMLElement,
  alert: ReturnType<typeof alertSlot>,
): HTMLElement {
  const escrow = order.escrow != null;
  const courierId = `courier-${order.orderId}-${item.id}`;
  const trackingId = `tracking-${order.orderId}-${item.id}`;
  const courier = h(
    'select',
    { id: courierId, name: 'courier', required: escrow },
    h('option', { value: '' }, '선택'),
    COURIERS.map((name) => h('option', { value: name }, name)),
  );
  const tracking = h('input', {
    id: trackingId,
    name: 'tracking_number',
    autocomplete: 'off',
    maxlength: String(SHIPPING_FIELD_MAX + 10), // room for the hyphens people paste; removed before sending
    required: escrow,
  });
  const ship = h('button', { type: 'submit', 'aria-label': `발송 처리: ${item.productName}` }, '발송 처리');
  const form = h(
    'form',
    // A named form is a landmark: the order id makes each one's name unique on the page (the same product can
    // be in several orders).
    { className: 'ship-form', 'aria-label': `발송 정보: ${item.productName} (주문 ${order.orderId})` },
    h('span', { className: 'field inline' }, h('label', { for: courierId }, '택배사'), courier),
    h('span', { className: 'field inline' }, h('label', { for: trackingId }, '송장번호'), tracking),
    ship,
  );
  form.noValidate = true; // checkShipment says what is missing, in Korean, in the order's alert
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const checked = checkShipment(courier.value, tracking.value, escrow);
    if (!checked.ok) return alert.show(checked.message);
    ship.disabled = true;
    alert.show(null);
    try {
      await markItemShipped(order.orderId, item.id, checked.shipment);
      status.textContent = checked.shipment
        ? `${item.productName}을(를) 발송 처리했습니다 (${checked.shipment.courier} ${checked.shipment.trackingNumber}).`
        : `${item.productName}을(를) 발송 처리했습니다.`;
      await reload();
    } catch (error) {
      alert.show(errorMessage(error));
      ship.disabled = false;
    }
  });
  return form;
}

/** A shipped line's state cell: 발송됨 with its courier, tracking number and date. */
function shippedCell(item: SellerLine): HTMLElement {
  return h('span', { className: 'shipment' }, shipmentText(item));
}

/** 에스크로(구매안전) 결제 orders: the state of the shipment's registration with the PG. */
function escrowState(order: SellerOrder): HTMLElement | null {
  const text = escrowStateText(order.escrow);
  if (!text) return null;
  return h(
    'p',
    { className: `escrow-state ${order.escrow?.status ?? ''}`.trim() },
    h('span', { className: 'badge status-badge' }, ESCROW_LABEL),
    ' ',
    text,
  );
}

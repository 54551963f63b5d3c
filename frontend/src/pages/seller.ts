import { cancelPayment, fetchSellerOrders, markItemShipped, type SellerOrder } from '../api/backend';
import { h } from '../dom';
import { formatDateTime, formatWon, itemStatusText, orderStatusText } from '../format';
import { AttemptKey } from '../idempotency';
import { navigate } from '../router';
import { getMe, loginPath } from '../session';
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

function sellerOrderCard(order: SellerOrder, reload: () => Promise<void>, status: HTMLElement): HTMLElement {
  const alert = alertSlot();
  // Sellers may cancel their own lines of the order's live payment (they never see the payment itself).
  const paymentId = order.paymentId;
  const rows = order.items.map((item) => {
    const attempt = new AttemptKey();
    const cells: (HTMLElement | null)[] = [];
    if (item.status === 'paid' && !item.shipped) {
      const ship = h('button', { type: 'button', 'aria-label': `발송 처리: ${item.productName}` }, '발송 처리');
      ship.addEventListener('click', async () => {
        ship.disabled = true;
        alert.show(null);
        try {
          await markItemShipped(order.orderId, item.id);
          status.textContent = `${item.productName}을(를) 발송 처리했습니다.`;
          await reload();
        } catch (error) {
          alert.show(errorMessage(error));
          ship.disabled = false;
        }
      });
      cells.push(ship);
    }
    if (item.status === 'paid') {
      const reasonId = `seller-reason-${order.orderId}-${item.id}`;
      const reason = h('input', { id: reasonId, name: 'reason', maxlength: '200' });
      const refund = h('button', { type: 'button' }, `환불: ${item.productName}`);
      refund.addEventListener('click', async () => {
        if (!reason.value.trim()) return alert.show('환불 사유를 입력해 주세요.');
        if (!paymentId) return alert.show('아직 결제되지 않은 주문입니다.');
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
      h('th', { scope: 'row' }, item.productName),
      h('td', null, `${item.quantity}개`),
      h('td', null, formatWon(item.lineTotal)),
      h('td', null, item.shipped ? '발송됨' : itemStatusText(item.status)),
      h('td', null, h('div', { className: 'row-actions' }, cells)),
    );
  });
  const headingId = `seller-order-${order.orderId}`;
  return h(
    'article',
    { className: 'card order', 'aria-labelledby': headingId },
    h('h2', { id: headingId }, `주문 ${order.orderId}`),
    h('p', { className: 'order-meta' }, `${orderStatusText(order.status)} · ${formatDateTime(order.createdAt)}`),
    h(
      'table',
      { className: 'lines-table' },
      h('thead', null, h('tr', null, ['상품', '수량', '금액', '상태', '처리'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, rows),
    ),
    alert.el,
  );
}

import type { CheckoutOrder, VirtualAccountInfo } from '../checkout/machine';
import { h } from '../dom';
import { formatDateTime, formatWon } from '../format';

export function virtualAccountView(account: VirtualAccountInfo): HTMLDListElement {
  return h(
    'dl',
    { className: 'facts virtual-account' },
    h('dt', null, '은행'),
    h('dd', null, account.bankName),
    h('dt', null, '계좌번호'),
    h('dd', null, account.accountNumber),
    h('dt', null, '예금주'),
    h('dd', null, account.holder),
    h('dt', null, '입금 기한'),
    h('dd', null, account.dueAt ? formatDateTime(account.dueAt) : '없음'),
  );
}

/** Order id and the SERVER's amounts. */
export function orderSummary(order: CheckoutOrder): HTMLDListElement {
  return h(
    'dl',
    { className: 'facts order-summary' },
    h('dt', null, '주문 번호'),
    h('dd', null, order.orderId),
    h('dt', null, '주문명'),
    h('dd', null, order.orderName),
    h('dt', null, '결제 금액'),
    h('dd', { className: 'total' }, order.totalAmount == null ? '-' : formatWon(order.totalAmount)),
    (order.taxFreeAmount ?? 0) > 0 && [h('dt', null, '면세 금액'), h('dd', null, formatWon(order.taxFreeAmount ?? 0))],
  );
}

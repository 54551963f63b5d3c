import { cancelSubscription, fetchMySubscriptions, type MySubscription } from '../api/backend';
import { h } from '../dom';
import { chargeStatusText, formatDateTime, formatPerInterval, subscriptionStatusText } from '../format';
import { navigate } from '../router';
import { getMe, loginPath } from '../session';
import { alertSlot, errorMessage, orderList, pageHeading } from './common';
import { priceChangeNotice } from './priceChange';

const LIVE = new Set(['active', 'past_due']);

const PREFIX = '/subscriptions/';

/** `/subscriptions/<subscription_id>` (the price-change notice's link) → that id; null for `/subscriptions/`. */
export function selectedSubscriptionId(pathname: string): string | null {
  if (!pathname.startsWith(PREFIX)) return null;
  const rest = pathname.slice(PREFIX.length).replace(/\/$/, '');
  if (!rest || rest.includes('/')) return null;
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest;
  }
}

/**
 * /subscriptions/: the buyer's subscriptions with their next charge and periods; 구독 해지 stops them.
 * /subscriptions/<id>: the same, that subscription's card marked (aria-current), focused and scrolled to,
 * so a pending price change's 동의 is right there.
 */
export async function subscriptionsPage(root: HTMLElement, url: URL): Promise<void> {
  if (!(await getMe())) return navigate(loginPath(url.pathname), { replace: true });
  const heading = pageHeading(root, '내 구독');
  const selected = selectedSubscriptionId(url.pathname);
  const card = (subscription: MySubscription, reload: () => Promise<void>, status: HTMLElement) => {
    const el = subscriptionCard(subscription, reload, status);
    if (subscription.subscriptionId === selected) {
      el.setAttribute('aria-current', 'true');
      el.setAttribute('tabindex', '-1');
      el.classList.add('selected');
    }
    return el;
  };
  await orderList(root, fetchMySubscriptions, card, '구독 중인 상품이 없습니다.', '구독을 불러오는 중입니다…');
  if (!selected) return;
  const found = root.querySelector<HTMLElement>('article[aria-current="true"]');
  if (found) {
    found.focus({ preventScroll: true });
    found.scrollIntoView?.({ block: 'start' });
  } else {
    heading.after(h('p', { className: 'not-found' }, `구독 ${selected}을(를) 찾을 수 없습니다. 아래 목록에서 확인해 주세요.`));
  }
}

export function subscriptionCard(
  subscription: MySubscription,
  reload: () => Promise<void>,
  status: HTMLElement,
): HTMLElement {
  const alert = alertSlot();
  const name = subscription.product.name;
  const headingId = `subscription-${subscription.subscriptionId}`;
  let cancel: HTMLButtonElement | null = null;
  if (LIVE.has(subscription.status)) {
    const button = h('button', { type: 'button', 'aria-label': `구독 해지: ${name}` }, '구독 해지');
    button.addEventListener('click', async () => {
      if (!window.confirm(`${name} 구독을 해지하시겠습니까? 다음 결제부터 청구되지 않습니다.`)) return;
      button.disabled = true;
      alert.show(null);
      try {
        await cancelSubscription(subscription.subscriptionId);
        status.textContent = `${name} 구독을 해지했습니다.`;
        await reload();
      } catch (error) {
        alert.show(errorMessage(error));
        button.disabled = false;
      }
    });
    cancel = button;
  }
  // Free until the trial ends: its first charge (announced 7 days ahead) is the next one.
  const inTrial = Boolean(subscription.trialEndsAt) && subscription.currentPeriod === 0 && LIVE.has(subscription.status);
  const notice = LIVE.has(subscription.status) ? priceChangeNotice(subscription, alert, status, reload) : null;
  return h(
    'article',
    { className: 'card subscription', 'aria-labelledby': headingId },
    h('h2', { id: headingId }, `${name} 정기구독`),
    h(
      'p',
      { className: 'order-meta' },
      h('span', { className: 'badge status-badge' }, subscriptionStatusText(subscription.status)),
      ` ${formatPerInterval(subscription.price, subscription.interval)}`,
    ),
    h(
      'dl',
      { className: 'facts' },
      inTrial && [h('dt', null, '무료 체험 종료'), h('dd', null, formatDateTime(subscription.trialEndsAt))],
      h('dt', null, inTrial ? '첫 결제 예정' : '다음 결제'),
      h('dd', null, subscription.nextChargeAt ? formatDateTime(subscription.nextChargeAt) : '없음'),
      h('dt', null, '결제 카드'),
      h('dd', null, `${subscription.cardCompany} ${subscription.cardNumberMasked}`),
      h('dt', null, '구독 번호'),
      h('dd', null, subscription.subscriptionId),
      subscription.cancelledAt && [h('dt', null, '해지일'), h('dd', null, formatDateTime(subscription.cancelledAt))],
    ),
    notice,
    h('h3', null, '결제 내역'),
    subscription.charges.length === 0
      ? h('p', null, '결제 내역이 없습니다.')
      : h(
          'ul',
          { className: 'lines charges' },
          subscription.charges.map((charge) =>
            h(
              'li',
              { className: 'line' },
              h('span', null, `${charge.period}회차`),
              h('span', { className: 'badge' }, chargeStatusText(charge.status)),
              h('span', null, `주문 ${charge.orderId}`),
            ),
          ),
        ),
    cancel && h('div', { className: 'actions' }, cancel),
    alert.el,
  );
}

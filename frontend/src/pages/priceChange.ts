import { consentToPriceChange, type MySubscription } from '../api/backend';
import { h } from '../dom';
import { formatDateTime, formatPerInterval } from '../format';
import { errorMessage } from './common';

type Pending = NonNullable<MySubscription['pendingPriceChange']>;

/** What happens without consent, in the buyer's words (the seller chose it when scheduling the change). */
export const withoutConsentText = (pending: Pending): string =>
  pending.onNoConsent === 'cancel_at_period_end'
    ? '동의하지 않으면 현재 결제 기간이 끝날 때 구독이 해지되며, 이후 결제되지 않습니다.'
    : '동의하지 않으면 지금 가격이 그대로 유지됩니다.';

/**
 * 내 구독's notice of a seller's price increase (전자상거래법 §13⑥: an increase needs the buyer's consent):
 * the new price, when it applies, the consent deadline, what happens without consent, and a 동의 button
 * calling `consentToPriceChange`. After consent it says so; the new price applies from `effectiveAt`.
 */
export function priceChangeNotice(
  subscription: MySubscription,
  alert: { show: (message: string | null) => void },
  status: HTMLElement,
  reload: () => Promise<void>,
  now: Date = new Date(),
): HTMLElement | null {
  const pending = subscription.pendingPriceChange;
  if (!pending) return null;
  const name = subscription.product.name;
  const price = (amount: number) => formatPerInterval(amount, subscription.interval);
  const facts = h(
    'dl',
    { className: 'facts' },
    h('dt', null, '현재 가격'),
    h('dd', null, price(pending.price)),
    h('dt', null, '변경 후 가격'),
    h('dd', null, price(pending.newPrice)),
    h('dt', null, '적용일'),
    h('dd', null, formatDateTime(pending.effectiveAt)),
    h('dt', null, '동의 마감'),
    h('dd', null, formatDateTime(pending.consentDeadline)),
  );
  let action: HTMLElement;
  if (pending.consentedAt) {
    action = h('p', { className: 'consented' }, `${formatDateTime(pending.consentedAt)}에 가격 변경에 동의했습니다.`);
  } else if (now < new Date(pending.consentOpensAt)) {
    action = h('p', null, `동의는 ${formatDateTime(pending.consentOpensAt)}부터 할 수 있습니다.`);
  } else {
    const button = h('button', { type: 'button', 'aria-label': `가격 변경 동의: ${name}` }, '동의');
    button.addEventListener('click', async () => {
      button.disabled = true;
      alert.show(null);
      try {
        await consentToPriceChange(subscription.subscriptionId);
        status.textContent = `${name} 가격 변경에 동의했습니다.`;
        await reload();
      } catch (error) {
        alert.show(errorMessage(error));
        button.disabled = false;
      }
    });
    action = h('div', { className: 'actions' }, button);
  }
  return h(
    'section',
    { className: 'price-change', 'aria-label': '가격 변경 안내' },
    h('h3', null, '가격 변경 안내'),
    h('p', null, `판매자가 가격을 올립니다. 동의하시면 ${formatDateTime(pending.effectiveAt)} 이후 시작하는 결제 기간부터 새 가격으로 결제됩니다.`),
    facts,
    h('p', { className: 'without-consent' }, withoutConsentText(pending)),
    action,
  );
}

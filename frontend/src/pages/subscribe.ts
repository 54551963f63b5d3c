import {
  fetchCheckoutConfig,
  fetchMyBillingKeys,
  fetchSubscribableProduct,
  registerBillingKey,
  requestBillingKey,
  subscribe,
} from '../api/backend';
import { h, replace } from '../dom';
import { formatDateTime, formatPerInterval } from '../format';
import { createCardRegistrar } from '../payment';
import { navigate } from '../router';
import { getMe, loginPath } from '../session';
import { SubscribeFlow, type SubscribeDeps, type SubscribeState } from '../subscribe/flow';
import { alertSlot, pageHeading, statusRegion } from './common';

export const liveSubscribeDeps: SubscribeDeps = {
  loadProduct: fetchSubscribableProduct,
  checkoutConfig: fetchCheckoutConfig,
  myCards: fetchMyBillingKeys,
  requestBillingKey,
  registerBillingKey,
  subscribe,
  createRegistrar: createCardRegistrar,
};

interface View {
  cardsShown?: string;
  summary: HTMLElement;
  cards: HTMLFieldSetElement;
  registrar: HTMLDivElement;
  subscribeButton: HTMLButtonElement;
  result: HTMLElement;
  status: HTMLParagraphElement;
  alert: ReturnType<typeof alertSlot>;
}

function render(view: View, flow: SubscribeFlow, state: SubscribeState): void {
  const { product } = state;
  if (product?.subscriptionInterval) {
    replace(
      view.summary,
      h('h2', null, product.name),
      h(
        'dl',
        { className: 'facts' },
        h('dt', null, '구독 요금'),
        h('dd', { className: 'total' }, formatPerInterval(product.price, product.subscriptionInterval)),
        h('dt', null, '첫 결제'),
        h(
          'dd',
          null,
          (product.trialDays ?? 0) > 0
            ? `${product.trialDays}일 동안 무료로 이용한 뒤 결제됩니다. 첫 결제 7일 전에 미리 알려 드립니다.`
            : '구독을 시작하면 바로 결제되고, 이후 같은 카드로 자동 결제됩니다.',
        ),
      ),
    );
  }
  if (view.status.textContent !== state.status) view.status.textContent = state.status;
  view.alert.show(state.error?.message ?? null);
  const choosing = state.phase === 'ready' || state.phase === 'registering' || state.phase === 'subscribing';
  view.cards.hidden = !choosing;
  view.registrar.hidden = !choosing;
  view.subscribeButton.hidden = !choosing;
  view.subscribeButton.disabled = !flow.canSubscribe;
  view.subscribeButton.setAttribute('aria-busy', String(state.phase === 'subscribing'));
  // Re-rendered only when what it shows changes, so a chosen radio keeps its focus.
  const cardsShown = JSON.stringify([state.cards.map((c) => c.billingKeyId), state.chosenCardId, state.phase]);
  if (view.cardsShown !== cardsShown) {
    view.cardsShown = cardsShown;
    renderCards(view, flow, state);
  }
  renderResult(view, state);
}

function renderCards(view: View, flow: SubscribeFlow, state: SubscribeState): void {
  replace(
    view.cards,
    h('legend', null, '결제 카드'),
    state.cards.length === 0
      ? h('p', null, '등록된 카드가 없습니다. 카드를 등록해 주세요.')
      : state.cards.map((card) =>
          h(
            'label',
            { className: 'card-choice' },
            h('input', {
              type: 'radio',
              name: 'billing-card',
              value: card.billingKeyId,
              checked: card.billingKeyId === state.chosenCardId,
              disabled: state.phase !== 'ready',
              onchange: () => flow.chooseCard(card.billingKeyId),
            }),
            ` ${card.cardCompany} ${card.cardNumberMasked}`,
          ),
        ),
  );
}

function renderResult(view: View, state: SubscribeState): void {
  if (state.phase === 'subscribed' && state.subscription) {
    const { subscription } = state;
    const next = formatDateTime(subscription.nextChargeAt) || '없음';
    replace(
      view.result,
      h('h2', null, '구독이 시작되었습니다'),
      h(
        'p',
        null,
        `${formatPerInterval(subscription.price, subscription.interval)} · ${subscription.trialEndsAt ? '무료 체험 후 첫 결제' : '다음 결제'} ${next}`,
      ),
      h('p', null, h('a', { href: '/subscriptions/' }, '내 구독 보기')),
    );
  } else {
    view.result.replaceChildren();
  }
}

/** /subscribe/?product=<Product global id>: choose or register a card, then subscribe. */
export async function subscribePage(root: HTMLElement, url: URL): Promise<() => void> {
  if (!(await getMe())) {
    navigate(loginPath(url.pathname + url.search), { replace: true });
    return () => {};
  }
  pageHeading(root, '정기구독 신청');
  const view: View = {
    summary: h('section', { 'aria-label': '구독 상품', className: 'card' }),
    cards: h('fieldset', { className: 'cards' }),
    registrar: h('div', { className: 'card-registrar' }),
    subscribeButton: h('button', { type: 'button', className: 'primary', disabled: true }, '구독 시작'),
    result: h('section', { className: 'result', 'aria-label': '구독 결과' }),
    status: statusRegion(),
    alert: alertSlot(),
  };
  root.append(view.summary, view.status, view.alert.el, view.cards, view.registrar, view.subscribeButton, view.result);

  const flow = new SubscribeFlow(liveSubscribeDeps);
  flow.subscribe((state) => {
    render(view, flow, state);
    if (state.error?.code === 'not_authenticated') navigate(loginPath(url.pathname + url.search), { replace: true });
  });
  view.subscribeButton.addEventListener('click', () => void flow.subscribeNow());
  const productId = url.searchParams.get('product');
  if (productId) void flow.start(productId, view.registrar);
  else {
    // No flow runs: nothing renders over this.
    replace(view.result, h('p', null, '구독할 상품을 상점에서 골라 주세요.'), h('p', null, h('a', { href: '/' }, '상점으로 가기')));
  }
  return () => flow.dispose();
}

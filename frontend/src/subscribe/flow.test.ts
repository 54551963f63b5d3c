import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import type { CardMountParams, CardRegistrar, CardRequest, Outcome } from '../payment/types';
import { SUBSCRIBE_TEXT, SubscribeFlow, type CardInfo, type SubscribeDeps, type SubscribableProductInfo } from './flow';

const product: SubscribableProductInfo = { id: 'UHJvZHVjdDox', name: '원두 구독', price: 9900, isActive: true, subscriptionInterval: 'month' };
const saved: CardInfo = { billingKeyId: 'bk_saved', cardCompany: '신한', cardNumberMasked: '51234567****1234', status: 'active' };
const fresh: CardInfo = { billingKeyId: 'bk_new', cardCompany: '국민', cardNumberMasked: '94112222****4444', status: 'active' };

class FakeRegistrar implements CardRegistrar {
  mounted: CardMountParams | null = null;
  start: (() => void) | null = null;
  outcomes: Outcome[] = [];
  requests: CardRequest[] = [];
  busy: boolean[] = [];
  teardown = vi.fn();
  mount(_el: HTMLElement, params: CardMountParams, start: () => void) {
    this.mounted = params;
    this.start = start;
  }
  async issue(request: CardRequest): Promise<Outcome> {
    this.requests.push(request);
    return this.outcomes.shift() ?? { kind: 'failed', errorCode: 'none' };
  }
  setBusy(busy: boolean) {
    this.busy.push(busy);
  }
}

function setup(overrides: Partial<SubscribeDeps> = {}) {
  const registrar = new FakeRegistrar();
  const deps: SubscribeDeps = {
    loadProduct: vi.fn(async () => product),
    checkoutConfig: vi.fn(async () => ({ webApplicationId: 'app', widgetKey: 'wk', mode: 'sandbox', separatelyConfirmed: false })),
    myCards: vi.fn(async () => [saved, { ...saved, billingKeyId: 'bk_gone', status: 'removed' }]),
    requestBillingKey: vi.fn(async () => ({ subscriptionId: 'bkr_1', orderName: '정기결제 카드 등록' })),
    registerBillingKey: vi.fn(async () => fresh),
    subscribe: vi.fn(async () => ({ subscriptionId: 'sub_1', status: 'active', interval: 'month', price: 9900, nextChargeAt: null })),
    createRegistrar: vi.fn(() => registrar),
    ...overrides,
  };
  const flow = new SubscribeFlow(deps);
  return { flow, deps, registrar, el: document.createElement('div') };
}

describe('SubscribeFlow', () => {
  it('loads the product and the active cards, mounts the registrar for the mode, picks the first card', async () => {
    const { flow, deps, registrar, el } = setup();
    await flow.start(product.id, el);
    expect(deps.createRegistrar).toHaveBeenCalledWith('sandbox');
    expect(registrar.mounted).toMatchObject({ applicationId: 'app', price: 9900, comment: '매월 9,900원이 결제됩니다.' });
    expect(flow.state).toMatchObject({ phase: 'ready', cards: [saved], chosenCardId: 'bk_saved', status: SUBSCRIBE_TEXT.ready });
    expect(flow.canSubscribe).toBe(true);
  });

  it('without a card it asks for one and cannot subscribe', async () => {
    const { flow, el } = setup({ myCards: vi.fn(async () => []) });
    await flow.start(product.id, el);
    expect(flow.state).toMatchObject({ phase: 'ready', chosenCardId: null, status: SUBSCRIBE_TEXT.chooseCard });
    expect(flow.canSubscribe).toBe(false);
  });

  it('a product not sold by subscription is blocked', async () => {
    const { flow, deps, el } = setup({ loadProduct: vi.fn(async () => ({ ...product, subscriptionInterval: null })) });
    await flow.start(product.id, el);
    expect(flow.state.phase).toBe('blocked');
    expect(flow.state.error?.code).toBe('product_not_subscribable');
    expect(deps.createRegistrar).not.toHaveBeenCalled();
  });

  it('an unknown product is blocked as not found', async () => {
    const { flow, el } = setup({ loadProduct: vi.fn(async () => null) });
    await flow.start('nope', el);
    expect(flow.state).toMatchObject({ phase: 'blocked', error: { code: 'product_not_found' } });
  });

  it('registering: key request → the registrar with its subscription_id → register the receipt → the new card is chosen', async () => {
    const { flow, deps, registrar, el } = setup();
    await flow.start(product.id, el);
    registrar.outcomes.push({ kind: 'done', receiptId: 'rcpt-1' });
    registrar.start!(); // the panel's 테스트 카드 발급 (or 카드 등록)
    await vi.waitFor(() => expect(deps.registerBillingKey).toHaveBeenCalledWith('rcpt-1'));
    await vi.waitFor(() => expect(flow.state.chosenCardId).toBe('bk_new'));
    expect(registrar.requests).toEqual([{ subscriptionId: 'bkr_1', orderName: '정기결제 카드 등록' }]);
    expect(flow.state.cards.map((c) => c.billingKeyId)).toEqual(['bk_new', 'bk_saved']);
    expect(registrar.busy).toEqual([true, false]);
    expect(flow.state.phase).toBe('ready');
  });

  it('a closed registration window changes nothing; a failed one shows its message', async () => {
    const { flow, deps, registrar, el } = setup();
    await flow.start(product.id, el);
    registrar.outcomes.push({ kind: 'cancelled', errorCode: 'RC_CLOSE_WINDOW' }, { kind: 'failed', errorCode: 'RC_CARD_INVALID', message: '유효하지 않은 카드' });
    await flow.registerCard();
    expect(flow.state).toMatchObject({ phase: 'ready', status: SUBSCRIBE_TEXT.registrationClosed, chosenCardId: 'bk_saved' });
    await flow.registerCard();
    expect(flow.state.error).toEqual({ code: 'RC_CARD_INVALID', message: '유효하지 않은 카드 다시 시도해 주세요.' });
    expect(deps.registerBillingKey).not.toHaveBeenCalled();
  });

  it('a registration the server refuses shows the code message', async () => {
    const { flow, registrar, el } = setup({
      registerBillingKey: vi.fn(async () => {
        throw new ApiError('billing_key_invalid', 'no', { reason: 'not_issued_to_you' });
      }),
    });
    await flow.start(product.id, el);
    registrar.outcomes.push({ kind: 'done', receiptId: 'r' });
    await flow.registerCard();
    expect(flow.state).toMatchObject({ phase: 'ready', error: { code: 'billing_key_invalid' } });
  });

  it('subscribes with the chosen card once, however often it is asked', async () => {
    let finish!: () => void;
    const subscribe = vi.fn(
      () =>
        new Promise<{ subscriptionId: string; status: string; interval: string; price: number }>((resolve) => {
          finish = () => resolve({ subscriptionId: 'sub_1', status: 'active', interval: 'month', price: 9900 });
        }),
    );
    const { flow, registrar, el } = setup({ subscribe });
    await flow.start(product.id, el);
    const first = flow.subscribeNow();
    void flow.subscribeNow(); // a double click
    expect(subscribe).toHaveBeenCalledTimes(1);
    expect(subscribe).toHaveBeenCalledWith(product.id, 'bk_saved');
    finish();
    await first;
    expect(flow.state).toMatchObject({ phase: 'subscribed', status: SUBSCRIBE_TEXT.subscribed, subscription: { subscriptionId: 'sub_1' } });
    expect(registrar.teardown).toHaveBeenCalled();
  });

  it('a declined first charge lets the buyer try another card', async () => {
    const { flow, el } = setup({
      subscribe: vi.fn(async () => {
        throw new ApiError('payment_failed', 'declined', { pg_code: 'RC_CARD_DECLINED', subscription_id: 'sub_x' });
      }),
    });
    await flow.start(product.id, el);
    await flow.subscribeNow();
    expect(flow.state).toMatchObject({ phase: 'ready', error: { code: 'payment_failed', message: SUBSCRIBE_TEXT.declined } });
    expect(flow.canSubscribe).toBe(true);
  });

  it('an unknown first charge is never sent again from here', async () => {
    const { flow, deps, el } = setup({
      subscribe: vi.fn(async () => {
        throw new ApiError('gateway_unavailable', 'later', { subscription_id: 'sub_x' });
      }),
    });
    await flow.start(product.id, el);
    await flow.subscribeNow();
    expect(flow.state).toMatchObject({ phase: 'blocked', error: { code: 'gateway_unavailable', message: SUBSCRIBE_TEXT.unsettled } });
    await flow.subscribeNow();
    expect(deps.subscribe).toHaveBeenCalledTimes(1);
  });

  it('choosing a card the list does not hold is ignored', async () => {
    const { flow, el } = setup();
    await flow.start(product.id, el);
    flow.chooseCard('bk_gone');
    expect(flow.state.chosenCardId).toBe('bk_saved');
  });
});

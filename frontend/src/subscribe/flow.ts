/**
 * Subscribing to a product as a state machine, effects injected (API calls, the card registrar), so it
 * knows nothing of the DOM or fetch and is unit-tested directly.
 *
 * load the product (it must be sold by subscription), the checkout config and the buyer's cards → mount
 * the card registrar (Bootpay's requestSubscription, or the sandbox panel) → registering a card:
 * requestBillingKey → registrar.issue → registerBillingKey(receiptId) → the new card is chosen →
 * subscribe(product, card): the server charges the first period itself.
 * One action at a time; the browser never sends or computes an amount.
 */
import { ApiError } from '../api/client';
import { messageForCode, messageForFailedPayment } from '../checkout/messages';
import type { CheckoutConfigInfo } from '../checkout/machine';
import { formatPerInterval } from '../format';
import type { CardRegistrar } from '../payment/types';

export interface SubscribableProductInfo {
  id: string;
  name: string;
  price: number;
  isActive: boolean;
  subscriptionInterval?: string | null;
  /** Free days before the first charge (0: charged at once). */
  trialDays?: number;
}

export interface CardInfo {
  billingKeyId: string;
  cardCompany: string;
  cardNumberMasked: string;
  status: string;
}

export interface SubscriptionInfo {
  subscriptionId: string;
  status: string;
  interval: string;
  price: number;
  nextChargeAt?: string | null;
  /** Free until then (its first charge is announced 7 days ahead); null: no trial. */
  trialEndsAt?: string | null;
}

export interface SubscribeDeps {
  loadProduct(productId: string): Promise<SubscribableProductInfo | null>;
  checkoutConfig(): Promise<CheckoutConfigInfo>;
  myCards(): Promise<CardInfo[]>;
  requestBillingKey(): Promise<{ subscriptionId: string; orderName: string }>;
  registerBillingKey(receiptId: string): Promise<CardInfo>;
  subscribe(productId: string, billingKeyId: string): Promise<SubscriptionInfo>;
  createRegistrar(mode: string): CardRegistrar;
}

export type SubscribePhase = 'loading' | 'ready' | 'registering' | 'subscribing' | 'subscribed' | 'blocked';

export interface SubscribeState {
  phase: SubscribePhase;
  product: SubscribableProductInfo | null;
  cards: CardInfo[];
  chosenCardId: string | null;
  subscription: SubscriptionInfo | null;
  status: string;
  error: { code: string; message: string } | null;
}

export const SUBSCRIBE_TEXT = {
  loading: '상품과 카드를 불러오는 중입니다…',
  chooseCard: '결제할 카드를 선택하거나 새 카드를 등록해 주세요.',
  ready: '구독할 준비가 되었습니다. 구독 시작을 눌러 주세요.',
  registering: '카드를 등록하는 중입니다…',
  registered: '카드를 등록했습니다.',
  registrationClosed: '카드 등록 창이 닫혔습니다. 다시 등록할 수 있습니다.',
  subscribing: '첫 결제를 진행하는 중입니다…',
  subscribed: '구독을 시작했습니다.',
  notSubscribable: '이 상품은 정기구독으로 판매하지 않습니다.',
  declined: '카드 결제가 거절되어 구독을 시작하지 못했습니다. 다른 카드로 다시 시도해 주세요.',
  unsettled: '첫 결제 결과를 아직 확인하지 못했습니다. 내 구독에서 상태를 확인해 주세요.',
} as const;

const TERMINAL = new Set(['product_not_found', 'product_not_subscribable', 'not_authenticated']);
const codeOf = (error: unknown): string => (error instanceof ApiError ? error.code : 'unknown_error');

export class SubscribeFlow {
  private current: SubscribeState = {
    phase: 'loading',
    product: null,
    cards: [],
    chosenCardId: null,
    subscription: null,
    status: SUBSCRIBE_TEXT.loading,
    error: null,
  };
  private listeners: ((state: SubscribeState) => void)[] = [];
  private registrar: CardRegistrar | null = null;
  private busy = false;

  constructor(private readonly deps: SubscribeDeps) {}

  get state(): SubscribeState {
    return this.current;
  }

  subscribe(listener: (state: SubscribeState) => void): () => void {
    this.listeners.push(listener);
    listener(this.current);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  async start(productId: string, registrarContainer: HTMLElement): Promise<void> {
    this.set({ phase: 'loading', status: SUBSCRIBE_TEXT.loading, error: null });
    let product: SubscribableProductInfo | null;
    let config: CheckoutConfigInfo;
    let cards: CardInfo[];
    try {
      [product, config, cards] = await Promise.all([
        this.deps.loadProduct(productId),
        this.deps.checkoutConfig(),
        this.deps.myCards(),
      ]);
    } catch (error) {
      return this.block(codeOf(error));
    }
    if (!product) return this.block('product_not_found');
    this.set({ product });
    if (!product.subscriptionInterval || !product.isActive) {
      return this.block('product_not_subscribable', SUBSCRIBE_TEXT.notSubscribable);
    }
    const active = cards.filter((card) => card.status === 'active');
    this.registrar = this.deps.createRegistrar(config.mode);
    this.registrar.mount(
      registrarContainer,
      {
        applicationId: config.webApplicationId,
        environment: config.mode === 'development' ? 'development' : 'production',
        comment: `${formatPerInterval(product.price, product.subscriptionInterval)}이 결제됩니다.`,
        price: product.price,
      },
      () => void this.registerCard(),
    );
    const chosenCardId = active[0]?.billingKeyId ?? null;
    this.set({
      phase: 'ready',
      cards: active,
      chosenCardId,
      status: chosenCardId ? SUBSCRIBE_TEXT.ready : SUBSCRIBE_TEXT.chooseCard,
    });
  }

  get canSubscribe(): boolean {
    return this.current.phase === 'ready' && this.current.chosenCardId !== null && !this.busy;
  }

  chooseCard(billingKeyId: string): void {
    if (this.current.phase !== 'ready' || !this.current.cards.some((c) => c.billingKeyId === billingKeyId)) return;
    this.set({ chosenCardId: billingKeyId, status: SUBSCRIBE_TEXT.ready });
  }

  /** request a subscription_id → Bootpay (or the sandbox panel) issues the card → the server registers it. */
  async registerCard(): Promise<void> {
    if (this.current.phase !== 'ready' || this.busy || !this.registrar) return;
    const registrar = this.registrar;
    this.busy = true;
    registrar.setBusy(true);
    this.set({ phase: 'registering', status: SUBSCRIBE_TEXT.registering, error: null });
    try {
      const request = await this.deps.requestBillingKey();
      const outcome = await registrar.issue(request);
      if (outcome.kind === 'cancelled') return this.set({ phase: 'ready', status: SUBSCRIBE_TEXT.registrationClosed });
      if ((outcome.kind !== 'done' && outcome.kind !== 'issued') || !outcome.receiptId) {
        return this.retry(outcome.errorCode ?? 'payment_failed', messageForFailedPayment(outcome.errorCode, outcome.message));
      }
      const card = await this.deps.registerBillingKey(outcome.receiptId);
      this.set({
        phase: 'ready',
        cards: [card, ...this.current.cards.filter((c) => c.billingKeyId !== card.billingKeyId)],
        chosenCardId: card.billingKeyId,
        status: `${SUBSCRIBE_TEXT.registered} ${SUBSCRIBE_TEXT.ready}`,
      });
    } catch (error) {
      const code = codeOf(error);
      this.retry(code, messageForCode(code));
    } finally {
      this.busy = false;
      registrar.setBusy(false);
      this.set({});
    }
  }

  /** Subscribe with the chosen card: the server charges the first period. One attempt at a time. */
  async subscribeNow(): Promise<void> {
    const { product, chosenCardId } = this.current;
    if (!this.canSubscribe || !product || !chosenCardId) return;
    this.busy = true;
    this.registrar?.setBusy(true);
    this.set({ phase: 'subscribing', status: SUBSCRIBE_TEXT.subscribing, error: null });
    try {
      const subscription = await this.deps.subscribe(product.id, chosenCardId);
      this.registrar?.teardown();
      this.registrar = null;
      this.set({ phase: 'subscribed', subscription, status: SUBSCRIBE_TEXT.subscribed });
    } catch (error) {
      const code = codeOf(error);
      if (code === 'payment_failed') return this.retry(code, SUBSCRIBE_TEXT.declined);
      if (code === 'gateway_unavailable' && hasSubscriptionId(error)) {
        // Charged or not, the server settles it when Bootpay's notice arrives: do not subscribe again.
        return this.blockWith(code, SUBSCRIBE_TEXT.unsettled);
      }
      if (TERMINAL.has(code)) return this.block(code);
      this.retry(code, messageForCode(code));
    } finally {
      this.busy = false;
      this.registrar?.setBusy(false);
      this.set({});
    }
  }

  dispose(): void {
    this.registrar?.teardown();
    this.registrar = null;
    this.listeners = [];
  }

  private retry(code: string, message: string): void {
    this.set({ phase: 'ready', status: '', error: { code, message } });
  }

  private block(code: string, status?: string): void {
    this.blockWith(code, messageForCode(code), status);
  }

  private blockWith(code: string, message: string, status = ''): void {
    this.registrar?.teardown();
    this.registrar = null;
    this.set({ phase: 'blocked', status, error: { code, message } });
  }

  private set(patch: Partial<SubscribeState>): void {
    this.current = { ...this.current, ...patch };
    for (const listener of this.listeners) listener(this.current);
  }
}

function hasSubscriptionId(error: unknown): boolean {
  const details = error instanceof ApiError ? error.details : null;
  return typeof details === 'object' && details !== null && 'subscription_id' in details;
}

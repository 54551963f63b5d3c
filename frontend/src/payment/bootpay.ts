/**
 * The real Bootpay adapters: the payment widget, the card registration (requestSubscription) and the
 * identity verification (requestAuthentication). The ONLY module that imports `@bootpay/client-js`, and only through a dynamic
 * import(), so the SDK is its own lazily loaded chunk, fetched on the payment step (never in sandbox mode).
 */
import { h } from '../dom';
import { normaliseOutcome } from './outcome';
import type {
  CardMountParams,
  CardRegistrar,
  CardRequest,
  IdentityRequest,
  IdentityVerifier,
  MountParams,
  Outcome,
  PayRequest,
  PaymentWidget,
} from './types';

type Sdk = typeof import('@bootpay/client-js');

let sdkPromise: Promise<Sdk> | null = null;
const loadSdk = (): Promise<Sdk> => (sdkPromise ??= import('@bootpay/client-js'));

export class BootpayAdapter implements PaymentWidget {
  private sdk: Sdk | null = null;
  private params: MountParams | null = null;
  private el: HTMLElement | null = null;
  private methodListeners: ((completed: boolean) => void)[] = [];

  async mount(el: HTMLElement, params: MountParams): Promise<void> {
    if (!el.id) throw new Error('The widget container needs an id (BootpayWidget.render takes an element id).');
    this.sdk = await loadSdk();
    this.params = params;
    // The browser must use the same Bootpay servers as our backend, or they would not know each other's receipts.
    this.sdk.BootpayWidget.setEnvironmentMode(params.environment, undefined);
    this.el = el;
    this.render();
  }

  private render(): void {
    if (!this.sdk || !this.params || !this.el) return;
    const params = this.params;
    this.sdk.BootpayWidget.render(`#${this.el.id}`, {
      // render() keeps and mutates what it is given: always a fresh object.
      application_id: params.applicationId,
      widget_key: params.widgetKey,
      sandbox: params.sandbox,
      price: params.price,
      tax_free: params.taxFree,
      order_name: params.orderName,
      currency: 'KRW',
      user: params.user,
      extra: extraFor(params),
      hooks: {
        paymentMethodUpdated: (data: unknown) => {
          const completed = typeof data === 'object' && data !== null && (data as { completed?: unknown }).completed === true;
          this.notify(completed);
        },
      },
    });
  }

  private notify(completed: boolean): void {
    for (const listener of this.methodListeners) listener(completed);
  }

  onMethodChange(callback: (completed: boolean) => void): void {
    this.methodListeners.push(callback);
  }

  updateAmount(price: number, taxFree: number): void {
    if (!this.sdk || !this.params) return;
    this.params = { ...this.params, price, taxFree };
    this.sdk.BootpayWidget.update({ price, tax_free: taxFree });
  }

  setEscrow(escrow: boolean): void {
    if (!this.sdk || !this.params || (this.params.escrow ?? false) === escrow) return;
    this.params = { ...this.params, escrow };
    // The widget's stored render `extra` wins over requestPayment's (and update() does not take extra):
    // render again, which also lets Bootpay offer the methods its escrow supports. The new widget reports
    // the chosen method again; until then 결제하기 is off.
    this.notify(false);
    this.render();
  }

  async pay(request: PayRequest): Promise<Outcome> {
    if (!this.sdk || !this.params) return { kind: 'failed', errorCode: 'widget_not_ready' };
    try {
      // The widget's stored render values win over these on a merge; price repeats the server amount.
      const result: unknown = await this.sdk.BootpayWidget.requestPayment({
        order_id: request.orderId,
        order_name: request.orderName,
        price: this.params.price,
        tax_free: this.params.taxFree,
        extra: extraFor(this.params),
      });
      return normaliseOutcome(result, false);
    } catch (error: unknown) {
      return normaliseOutcome(error, true);
    }
  }

  closeOverlay(): void {
    // BootpayWidget.destroy() only empties the container; the payment overlay belongs to Bootpay.
    this.sdk?.Bootpay.destroy();
  }

  teardown(): void {
    this.sdk?.BootpayWidget.destroy();
    this.methodListeners = [];
    this.params = null;
    this.el = null;
  }
}

interface WidgetExtra {
  open_type: string;
  redirect_url?: string;
  separately_confirmed: boolean;
  display_cash_receipt: false;
  escrow?: true;
}

function extraFor(params: MountParams): WidgetExtra {
  // 현금영수증: the buyer chooses it on our checkout (sent with createOrder) and the backend issues it through
  // the SDK once the money arrives, so the PG window must not offer (and issue) its own. The field is the
  // SDK's `ExtraModel.display_cash_receipt?: boolean // 현금 영수증 체크 노출 Y,N, default: true`
  // (@bootpay/client-js 5.3.1, dist/src/types/bootpay-interface.d.ts; WidgetExtraModel extends it). The
  // bundle passes `extra` through to Bootpay unread; that Bootpay's window honours it for every PG is
  // unconfirmed offline (WIDGET.md does not cover it).
  const common = { separately_confirmed: params.separatelyConfirmed, display_cash_receipt: false } as const;
  const extra: WidgetExtra =
    params.openType === 'redirect'
      ? { open_type: 'redirect', redirect_url: params.redirectUrl, ...common }
      : { open_type: 'iframe', ...common };
  // 에스크로(구매안전) 결제: Bootpay's `extra.escrow`; absent (not false) for an ordinary payment.
  if (params.escrow === true) extra.escrow = true;
  return extra;
}

export interface SubscriptionRequest extends CardRequest, CardMountParams {}

/**
 * Bootpay's card registration for automatic payments: `Bootpay.requestSubscription` (the classic window;
 * BootpayWidget's own requestSubscription needs a widget configured as a subscription type). Bootpay
 * answers `done` with the issuance receipt only; the billing key never reaches the browser: the server
 * fetches it by that receipt (registerBillingKey). No PG or method is named: which card-billing PG the
 * window offers is the merchant's Bootpay configuration (Bootpay's examples pass `pg`; unconfirmed).
 */
export async function requestSubscription(request: SubscriptionRequest): Promise<Outcome> {
  let sdk: Sdk;
  try {
    sdk = await loadSdk();
  } catch (error: unknown) {
    return normaliseOutcome(error, true);
  }
  sdk.Bootpay.setEnvironmentMode(request.environment, undefined);
  try {
    const result: unknown = await sdk.Bootpay.requestSubscription({
      application_id: request.applicationId,
      subscription_id: request.subscriptionId,
      order_name: request.orderName,
      price: request.price,
      tax_free: 0,
      user: request.user,
      // The promise, not a redirect; no test charge while registering (the first period is charged by us).
      extra: { open_type: 'iframe', subscription_comment: request.comment, subscribe_test_payment: false },
    });
    return normaliseOutcome(result, false);
  } catch (error: unknown) {
    return normaliseOutcome(error, true);
  }
}

/** The real card registration: a "카드 등록" button that opens Bootpay's window. */
export class BootpayCardRegistrar implements CardRegistrar {
  private params: CardMountParams | null = null;
  private button: HTMLButtonElement | null = null;

  mount(el: HTMLElement, params: CardMountParams, start: () => void): void {
    this.params = params;
    this.button = h('button', { type: 'button', onclick: start }, '카드 등록');
    el.replaceChildren(this.button);
  }

  async issue(request: CardRequest): Promise<Outcome> {
    if (!this.params) return { kind: 'failed', errorCode: 'widget_not_ready' };
    return requestSubscription({ ...this.params, ...request });
  }

  setBusy(busy: boolean): void {
    if (this.button) this.button.disabled = busy;
  }

  teardown(): void {
    this.button?.remove();
    this.button = null;
    this.params = null;
  }
}

/**
 * Bootpay's identity verification (본인인증): `Bootpay.requestAuthentication`. Bootpay answers `done` with
 * the verification's receipt only; the name, birth date and phone stay with Bootpay until our server reads
 * the certificate (verifyIdentity), which keeps none of them. The PG is Danal (Bootpay's 본인인증 PG;
 * assumption: the merchant's Bootpay configuration decides).
 */
export async function requestAuthentication(request: IdentityRequest): Promise<Outcome> {
  let sdk: Sdk;
  try {
    sdk = await loadSdk();
  } catch (error: unknown) {
    return normaliseOutcome(error, true);
  }
  sdk.Bootpay.setEnvironmentMode(request.environment, undefined);
  try {
    const result: unknown = await sdk.Bootpay.requestAuthentication({
      application_id: request.applicationId,
      pg: '다날',
      method: '본인인증',
      authentication_id: request.authenticationId,
      order_name: request.orderName,
      // The promise, not a redirect.
      extra: { open_type: 'iframe' },
    });
    return normaliseOutcome(result, false);
  } catch (error: unknown) {
    return normaliseOutcome(error, true);
  }
}

/** The real identity verification: a "본인인증" button that opens Bootpay's window. */
export class BootpayIdentityVerifier implements IdentityVerifier {
  private button: HTMLButtonElement | null = null;

  mount(el: HTMLElement, start: () => void): void {
    this.button = h('button', { type: 'button', onclick: start }, '본인인증 하기');
    el.replaceChildren(this.button);
  }

  verify(request: IdentityRequest): Promise<Outcome> {
    return requestAuthentication(request);
  }

  setBusy(busy: boolean): void {
    if (this.button) this.button.disabled = busy;
  }

  teardown(): void {
    this.button?.remove();
    this.button = null;
  }
}

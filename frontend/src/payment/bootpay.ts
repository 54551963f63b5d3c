/**
 * The real Bootpay adapter. The ONLY module that imports `@bootpay/client-js`, and only through a dynamic
 * import(), so the SDK is its own lazily loaded chunk, fetched on the payment step (never in sandbox mode).
 */
import { normaliseOutcome } from './outcome';
import type { MountParams, Outcome, PayRequest, PaymentWidget } from './types';

type Sdk = typeof import('@bootpay/client-js');

let sdkPromise: Promise<Sdk> | null = null;
const loadSdk = (): Promise<Sdk> => (sdkPromise ??= import('@bootpay/client-js'));

export class BootpayAdapter implements PaymentWidget {
  private sdk: Sdk | null = null;
  private params: MountParams | null = null;
  private methodListeners: ((completed: boolean) => void)[] = [];

  async mount(el: HTMLElement, params: MountParams): Promise<void> {
    if (!el.id) throw new Error('The widget container needs an id (BootpayWidget.render takes an element id).');
    this.sdk = await loadSdk();
    this.params = params;
    // The browser must use the same Bootpay servers as our backend, or they would not know each other's receipts.
    this.sdk.BootpayWidget.setEnvironmentMode(params.environment, undefined);
    this.sdk.BootpayWidget.render(`#${el.id}`, {
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
          for (const listener of this.methodListeners) listener(completed);
        },
      },
    });
  }

  onMethodChange(callback: (completed: boolean) => void): void {
    this.methodListeners.push(callback);
  }

  updateAmount(price: number, taxFree: number): void {
    if (!this.sdk || !this.params) return;
    this.params = { ...this.params, price, taxFree };
    this.sdk.BootpayWidget.update({ price, tax_free: taxFree });
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
  }
}

function extraFor(params: MountParams): { open_type: string; redirect_url?: string; separately_confirmed: boolean } {
  return params.openType === 'redirect'
    ? { open_type: 'redirect', redirect_url: params.redirectUrl, separately_confirmed: params.separatelyConfirmed }
    : { open_type: 'iframe', separately_confirmed: params.separatelyConfirmed };
}

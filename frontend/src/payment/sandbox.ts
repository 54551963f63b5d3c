/**
 * The sandbox stand-in for BootpayWidget (checkoutConfig.mode === 'sandbox'): a clearly marked local panel.
 * pay() asks the backend's sandbox emulator for a receipt (the server prices it from the order; the browser
 * sends no amount), turns the answer into the SAME raw shapes the real SDK produces, and normalises them with
 * the same normaliseOutcome. Nothing here loads the Bootpay SDK.
 */
import { ApiError, rest } from '../api/client';
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

export type SandboxScenario = 'paid' | 'confirm' | 'vbank' | 'failed' | 'tampered' | 'close';

export const SANDBOX_CHOICES: readonly { scenario: SandboxScenario; label: string }[] = [
  { scenario: 'paid', label: '카드 결제 (승인)' },
  { scenario: 'confirm', label: '카드 결제 (별도 승인)' },
  { scenario: 'vbank', label: '가상계좌 발급' },
  { scenario: 'failed', label: '결제 실패' },
  { scenario: 'close', label: '결제창 닫기' },
  { scenario: 'tampered', label: '금액 변조 (테스트)' },
];

interface SandboxReceipt {
  receipt_id: string;
  order_id: string;
  event: 'done' | 'confirm' | 'issued' | 'error';
  error_code?: string;
  message?: string;
}

export interface SandboxOptions {
  /** Leaves the page for the redirect flavour (replaced in tests). */
  navigate?: (url: string) => void;
}

export class SandboxWidget implements PaymentWidget {
  private params: MountParams | null = null;
  private scenario: SandboxScenario | null = null;
  private panel: HTMLElement | null = null;
  private methodListeners: ((completed: boolean) => void)[] = [];
  private readonly navigate: (url: string) => void;

  constructor(options: SandboxOptions = {}) {
    this.navigate = options.navigate ?? ((url) => window.location.assign(url));
  }

  async mount(el: HTMLElement, params: MountParams): Promise<void> {
    this.params = params;
    const radios = SANDBOX_CHOICES.map(({ scenario, label }) =>
      h(
        'label',
        { className: 'sandbox-choice' },
        h('input', {
          type: 'radio',
          name: 'sandbox-scenario',
          value: scenario,
          onchange: () => this.choose(scenario),
        }),
        ' ',
        label,
      ),
    );
    // The amount it was given stays out of the visible text (the order summary already shows it once).
    this.panel = h(
      'fieldset',
      {
        className: 'sandbox-panel',
        dataset: { price: String(params.price), taxFree: String(params.taxFree), escrow: String(params.escrow === true) },
      },
      h('legend', null, 'TEST PAYMENT · 테스트 결제'),
      h('p', { className: 'sandbox-note' }, '테스트 모드입니다. 실제 돈은 오가지 않습니다 (no money moves).'),
      radios,
    );
    el.replaceChildren(this.panel);
  }

  onMethodChange(callback: (completed: boolean) => void): void {
    this.methodListeners.push(callback);
  }

  updateAmount(price: number, taxFree: number): void {
    if (!this.params) return;
    this.params = { ...this.params, price, taxFree };
    if (this.panel) Object.assign(this.panel.dataset, { price: String(price), taxFree: String(taxFree) });
  }

  setEscrow(escrow: boolean): void {
    // The panel's scenarios do not depend on it: the chosen scenario stays chosen.
    if (!this.params) return;
    this.params = { ...this.params, escrow };
    if (this.panel) this.panel.dataset.escrow = String(escrow);
  }

  async pay(request: PayRequest): Promise<Outcome> {
    const scenario = this.scenario;
    if (!this.params || !scenario) return { kind: 'failed', errorCode: 'RC_PG_METHOD_NOT_SELECTED' };
    if (scenario === 'close') {
      return normaliseOutcome({ event: 'cancel', error_code: 'RC_CLOSE_WINDOW', message: '결제창을 닫았습니다.' }, true);
    }
    let receipt: SandboxReceipt;
    try {
      receipt = await rest<SandboxReceipt>('POST', '/api/v1/sandbox/payments/', {
        order_id: request.orderId,
        scenario,
        // An escrow receipt at the emulator, as Bootpay makes one for extra.escrow (only sent when chosen).
        ...(this.params.escrow === true ? { escrow: true } : {}),
      });
    } catch (error: unknown) {
      const code = error instanceof ApiError ? error.code : 'network_error';
      return { kind: 'failed', errorCode: code, message: error instanceof Error ? error.message : undefined };
    }
    if (this.params.openType === 'redirect' && this.params.redirectUrl) {
      const query = new URLSearchParams({ receipt_id: receipt.receipt_id, order_id: receipt.order_id, event: receipt.event });
      if (receipt.error_code) query.set('error_code', receipt.error_code);
      this.navigate(`${this.params.redirectUrl}?${query.toString()}`);
      return new Promise<Outcome>(() => {}); // the page is leaving
    }
    const [raw, rejected] = sdkShaped(receipt);
    return normaliseOutcome(raw, rejected);
  }

  closeOverlay(): void {
    // No overlay to remove: the panel stays in the page.
  }

  teardown(): void {
    this.panel?.remove();
    this.panel = null;
    this.params = null;
    this.scenario = null;
    this.methodListeners = [];
  }

  private choose(scenario: SandboxScenario): void {
    this.scenario = scenario;
    for (const listener of this.methodListeners) listener(true);
  }
}

/** The raw result BootpayWidget.requestPayment would give, and whether it would reject. */
export function sdkShaped(receipt: SandboxReceipt): [unknown, boolean] {
  const ids = { receipt_id: receipt.receipt_id, order_id: receipt.order_id };
  switch (receipt.event) {
    case 'done':
    case 'issued':
      return [{ event: receipt.event, data: { ...ids } }, false];
    case 'confirm':
      return [{ event: 'confirm', ...ids }, false];
    default:
      return [{ event: 'error', error_code: receipt.error_code ?? 'RC_SANDBOX_ERROR', message: receipt.message }, true];
  }
}

export const TEST_CARD_BUTTON = '테스트 카드 발급';
export const DECLINING_CARD_LABEL = '결제가 거절되는 카드 (테스트)';

/** The sandbox stand-in for Bootpay's card registration window. */
export class SandboxCardRegistrar implements CardRegistrar {
  private panel: HTMLElement | null = null;
  private button: HTMLButtonElement | null = null;
  private decline: HTMLInputElement | null = null;

  mount(el: HTMLElement, params: CardMountParams, start: () => void): void {
    this.decline = h('input', { type: 'checkbox', name: 'sandbox-decline' });
    this.button = h('button', { type: 'button', onclick: start }, TEST_CARD_BUTTON);
    this.panel = h(
      'fieldset',
      { className: 'sandbox-panel', dataset: { price: String(params.price) } },
      h('legend', null, 'TEST PAYMENT · 테스트 결제'),
      h('p', { className: 'sandbox-note' }, '테스트 모드입니다. 실제 카드는 등록되지 않습니다 (no real card).'),
      h('label', { className: 'sandbox-choice' }, this.decline, ' ', DECLINING_CARD_LABEL),
      this.button,
    );
    el.replaceChildren(this.panel);
  }

  async issue(request: CardRequest): Promise<Outcome> {
    let receipt: { receipt_id: string };
    try {
      receipt = await rest<{ receipt_id: string }>('POST', '/api/v1/sandbox/billing-keys/', {
        subscription_id: request.subscriptionId,
        decline: this.decline?.checked ?? false,
      });
    } catch (error: unknown) {
      const code = error instanceof ApiError ? error.code : 'network_error';
      return { kind: 'failed', errorCode: code, message: error instanceof Error ? error.message : undefined };
    }
    // What Bootpay.requestSubscription resolves with: `done`, the issuance receipt under `data`.
    return normaliseOutcome({ event: 'done', data: { receipt_id: receipt.receipt_id } }, false);
  }

  setBusy(busy: boolean): void {
    if (this.button) this.button.disabled = busy;
  }

  teardown(): void {
    this.panel?.remove();
    this.panel = this.button = this.decline = null;
  }
}

export const TEST_IDENTITY_BUTTON = '테스트 본인인증';
export const MINOR_IDENTITY_LABEL = '미성년자로 인증 (테스트)';

/** The sandbox stand-in for Bootpay's identity verification window: a verified adult (or, ticked, a minor). */
export class SandboxIdentityVerifier implements IdentityVerifier {
  private panel: HTMLElement | null = null;
  private button: HTMLButtonElement | null = null;
  private minor: HTMLInputElement | null = null;

  mount(el: HTMLElement, start: () => void): void {
    this.minor = h('input', { type: 'checkbox', name: 'sandbox-minor' });
    this.button = h('button', { type: 'button', onclick: start }, TEST_IDENTITY_BUTTON);
    this.panel = h(
      'fieldset',
      { className: 'sandbox-panel' },
      h('legend', null, 'TEST · 테스트 본인인증'),
      h('p', { className: 'sandbox-note' }, '테스트 모드입니다. 실제 본인인증은 하지 않습니다 (no real verification).'),
      h('label', { className: 'sandbox-choice' }, this.minor, ' ', MINOR_IDENTITY_LABEL),
      this.button,
    );
    el.replaceChildren(this.panel);
  }

  async verify(_request: IdentityRequest): Promise<Outcome> {
    let receipt: { receipt_id: string };
    try {
      receipt = await rest<{ receipt_id: string }>('POST', '/api/v1/sandbox/identity/', {
        person: this.minor?.checked ? 'minor' : 'adult',
      });
    } catch (error: unknown) {
      const code = error instanceof ApiError ? error.code : 'network_error';
      return { kind: 'failed', errorCode: code, message: error instanceof Error ? error.message : undefined };
    }
    // What Bootpay.requestAuthentication resolves with: `done`, the receipt under `data`.
    return normaliseOutcome({ event: 'done', data: { receipt_id: receipt.receipt_id } }, false);
  }

  setBusy(busy: boolean): void {
    if (this.button) this.button.disabled = busy;
  }

  teardown(): void {
    this.panel?.remove();
    this.panel = this.button = this.minor = null;
  }
}

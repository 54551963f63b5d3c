/**
 * The checkout as a state machine, with its effects injected (API calls, the payment widget), so it has no
 * knowledge of the DOM or fetch and is unit-tested directly.
 *
 * cart → createOrder (or load `?order=`) → show the SERVER's amounts → checkoutConfig → mount the widget with
 * that amount → pay (enabled once a method is complete; one payment at a time) → by outcome:
 *   done → verify · confirm → verify, confirm, closeOverlay · issued → verify, show the virtual account ·
 *   cancelled → payable again · failed / error code → a Korean message.
 */
import { ApiError } from '../api/client';
import type { CashReceiptChoice } from '../cashReceipt/rules';
import type { OpenType, Outcome, PaymentWidget } from '../payment/types';
import { escrowOffered } from '../shipping';
import { messageForCode, messageForFailedPayment } from './messages';

export interface CheckoutOrder {
  orderId: string;
  orderName: string;
  status: string;
  totalAmount?: number | null;
  taxFreeAmount?: number | null;
  /** The server's rule (all lines from one seller): only then is 에스크로(구매안전) 결제 offered. */
  escrowEligible?: boolean | null;
  /** The order's 현금영수증 (the buyer's choice, then what was issued), or null. */
  cashReceipt?: CheckoutCashReceipt | null;
  payments?: readonly CheckoutPayment[];
}

export interface CheckoutCashReceipt {
  type: string;
  identifierMasked?: string | null;
  status: string;
}

export interface VirtualAccountInfo {
  bankName: string;
  accountNumber: string;
  holder: string;
  dueAt?: string | null;
}

export interface CheckoutPayment {
  paymentId: string;
  status: string;
  amount: number;
  virtualAccount?: VirtualAccountInfo | null;
}

export interface CheckoutConfigInfo {
  webApplicationId: string;
  widgetKey: string;
  mode: string;
  separatelyConfirmed: boolean;
}

export interface CheckoutDeps {
  createOrder(
    items: { productId: string; quantity: number }[],
    cashReceipt?: CashReceiptChoice | null,
  ): Promise<CheckoutOrder>;
  loadOrder(orderId: string): Promise<CheckoutOrder | null>;
  checkoutConfig(): Promise<CheckoutConfigInfo>;
  verifyPayment(orderId: string, receiptId: string): Promise<CheckoutPayment>;
  confirmPayment(paymentId: string): Promise<CheckoutPayment>;
  createWidget(mode: string): PaymentWidget;
  openType(): OpenType;
  redirectUrl(): string;
}

export type Phase = 'loading' | 'ready' | 'paying' | 'verifying' | 'paid' | 'issued' | 'blocked';

export interface CheckoutState {
  phase: Phase;
  order: CheckoutOrder | null;
  payment: CheckoutPayment | null;
  methodComplete: boolean;
  /** 에스크로(구매안전) 결제 chosen (never true for an order that is not escrowEligible). */
  escrow: boolean;
  /** Announced politely (role=status). */
  status: string;
  /** Shown as role=alert. */
  error: { code: string; message: string } | null;
}

export type CheckoutSource =
  | { items: { productId: string; quantity: number }[]; cashReceipt?: CashReceiptChoice | null }
  | { orderId: string };

export const TEXT = {
  creating: '주문을 만드는 중입니다…',
  loadingOrder: '주문을 불러오는 중입니다…',
  chooseMethod: '결제 수단을 선택해 주세요.',
  readyToPay: '결제할 준비가 되었습니다. 결제하기를 눌러 주세요.',
  paying: '결제를 진행하는 중입니다…',
  verifying: '결제를 확인하는 중입니다…',
  // Worded apart from the result headings (결제가 완료되었습니다 / 가상계좌가 발급되었습니다).
  paid: '결제를 마쳤습니다.',
  issued: '입금할 가상계좌를 받았습니다. 기한 안에 입금해 주세요.',
  cancelled: '결제창이 닫혔습니다. 다시 결제할 수 있습니다.',
  retry: '다시 결제할 수 있습니다.',
  notPayable: '이 주문은 결제할 수 없습니다.',
  unsettled: '결제가 아직 완료되지 않았습니다. 내 주문에서 결제 상태를 확인해 주세요.',
} as const;

const PAID_STATUSES = new Set(['paid', 'partially_cancelled']);

function resultOf(payment: CheckoutPayment): 'paid' | 'issued' | 'unsettled' {
  if (PAID_STATUSES.has(payment.status)) return 'paid';
  if (payment.status === 'awaiting_deposit') return 'issued';
  return 'unsettled'; // e.g. still awaiting approval: neither paid nor a virtual account to pay into
}

/** Codes after which the same order can't be paid from this page. */
const TERMINAL = new Set(['order_not_payable', 'order_not_found', 'permission_denied', 'not_authenticated', 'payment_unsettled']);

const codeOf = (error: unknown): string => (error instanceof ApiError ? error.code : 'unknown_error');

export class CheckoutMachine {
  private current: CheckoutState = {
    phase: 'loading',
    order: null,
    payment: null,
    methodComplete: false,
    escrow: false,
    status: TEXT.loadingOrder,
    error: null,
  };
  private listeners: ((state: CheckoutState) => void)[] = [];
  private widget: PaymentWidget | null = null;
  private inFlight = false;

  constructor(private readonly deps: CheckoutDeps) {}

  get state(): CheckoutState {
    return this.current;
  }

  subscribe(listener: (state: CheckoutState) => void): () => void {
    this.listeners.push(listener);
    listener(this.current);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Create (or load) the order, then mount the payment widget with the server's amount. */
  async start(source: CheckoutSource, container: HTMLElement): Promise<void> {
    const creating = 'items' in source;
    this.set({ phase: 'loading', status: creating ? TEXT.creating : TEXT.loadingOrder, error: null });
    let order: CheckoutOrder | null;
    try {
      order = creating
        ? await this.deps.createOrder(source.items, source.cashReceipt ?? null)
        : await this.deps.loadOrder(source.orderId);
    } catch (error) {
      return this.block(codeOf(error));
    }
    if (!order) return this.block('order_not_found');
    this.set({ order });

    const issued = order.payments?.find((p) => p.status === 'awaiting_deposit' && p.virtualAccount);
    if (issued) return this.set({ phase: 'issued', payment: issued, status: TEXT.issued });
    if (order.status !== 'pending_payment' || order.totalAmount == null) {
      return this.block('order_not_payable', TEXT.notPayable);
    }

    try {
      const config = await this.deps.checkoutConfig();
      const widget = this.deps.createWidget(config.mode);
      this.widget = widget;
      widget.onMethodChange((completed) => {
        if (this.current.phase !== 'ready') return this.set({ methodComplete: completed });
        this.set({ methodComplete: completed, status: completed ? TEXT.readyToPay : TEXT.chooseMethod });
      });
      const openType = this.deps.openType();
      await widget.mount(container, {
        price: order.totalAmount,
        taxFree: order.taxFreeAmount ?? 0,
        orderName: order.orderName,
        applicationId: config.webApplicationId,
        widgetKey: config.widgetKey,
        sandbox: config.mode !== 'production',
        environment: config.mode === 'development' ? 'development' : 'production',
        separatelyConfirmed: config.separatelyConfirmed,
        openType,
        redirectUrl: openType === 'redirect' ? this.deps.redirectUrl() : undefined,
        escrow: this.current.escrow && escrowOffered(order),
      });
    } catch (error) {
      return this.block(codeOf(error));
    }
    this.set({
      phase: 'ready',
      status: this.current.methodComplete ? TEXT.readyToPay : TEXT.chooseMethod,
    });
  }

  get canPay(): boolean {
    return this.current.phase === 'ready' && this.current.methodComplete && !this.inFlight;
  }

  /** Whether the page may show the 에스크로(구매안전) 결제 choice now (an eligible order, before paying). */
  get escrowChoosable(): boolean {
    return escrowOffered(this.current.order) && this.current.phase === 'ready' && !this.inFlight;
  }

  /** The buyer's 에스크로(구매안전) 결제 choice; ignored for an order the server did not mark eligible. */
  setEscrow(escrow: boolean): void {
    if (!this.escrowChoosable || escrow === this.current.escrow) return;
    this.set({ escrow });
    this.widget?.setEscrow(escrow);
  }

  /** Starts one payment; further calls while it runs (a double click) do nothing. */
  async pay(): Promise<void> {
    const { order } = this.current;
    if (!this.canPay || !this.widget || !order) return;
    this.inFlight = true;
    try {
      this.set({ phase: 'paying', status: TEXT.paying, error: null });
      const outcome = await this.widget.pay({ orderId: order.orderId, orderName: order.orderName });
      await this.settle(outcome);
    } finally {
      this.inFlight = false;
      this.set({}); // the page rendered the outcome while this payment still counted as running
    }
  }

  /** Applies a payment-window outcome (also used by the redirect return page, without a widget). */
  async settle(outcome: Outcome): Promise<void> {
    const order = this.current.order;
    const orderId = order?.orderId ?? outcome.orderId;
    if (outcome.kind === 'cancelled') {
      return this.set({ phase: this.widget ? 'ready' : 'blocked', status: TEXT.cancelled, error: null });
    }
    if (outcome.kind === 'failed' || !outcome.receiptId || !orderId) {
      return this.fail(outcome.errorCode ?? 'payment_failed', messageForFailedPayment(outcome.errorCode, outcome.message));
    }
    this.set({ phase: 'verifying', status: TEXT.verifying });
    let payment: CheckoutPayment;
    try {
      if (outcome.kind === 'confirm') {
        try {
          const verified = await this.deps.verifyPayment(orderId, outcome.receiptId);
          payment = await this.deps.confirmPayment(verified.paymentId);
        } finally {
          this.widget?.closeOverlay(); // Bootpay's overlay waits for our server's answer
        }
      } else {
        payment = await this.deps.verifyPayment(orderId, outcome.receiptId);
      }
    } catch (error) {
      const code = codeOf(error);
      return this.fail(code, messageForCode(code));
    }
    // What the page says comes from the status our server answered, never from the window's (or a URL's) event.
    const result = resultOf(payment);
    if (result === 'unsettled') {
      return this.fail('payment_unsettled', TEXT.unsettled);
    }
    this.widget?.teardown();
    this.widget = null;
    this.set({
      phase: result,
      payment,
      status: result === 'issued' ? TEXT.issued : TEXT.paid,
      error: null,
    });
  }

  /** The redirect flavour's return page: load the order for its summary, then apply the outcome. */
  async returnFrom(outcome: Outcome): Promise<void> {
    this.set({ phase: 'loading', status: TEXT.verifying, error: null });
    if (outcome.orderId) {
      try {
        const order = await this.deps.loadOrder(outcome.orderId);
        if (order) this.set({ order });
      } catch {
        // The summary is optional; verifyPayment below reports what matters.
      }
    }
    await this.settle(outcome);
  }

  dispose(): void {
    this.widget?.teardown();
    this.widget = null;
    this.listeners = [];
  }

  private fail(code: string, message: string): void {
    const terminal = TERMINAL.has(code) || !this.widget;
    this.set({
      phase: terminal ? 'blocked' : 'ready',
      status: terminal ? '' : TEXT.retry,
      error: { code, message },
    });
  }

  private block(code: string, status?: string): void {
    const message = messageForCode(code);
    this.set({ phase: 'blocked', status: status ?? '', error: { code, message } });
  }

  private set(patch: Partial<CheckoutState>): void {
    this.current = { ...this.current, ...patch };
    for (const listener of this.listeners) listener(this.current);
  }
}

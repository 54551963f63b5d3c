/** The one interface both payment adapters implement: the real Bootpay widget and the sandbox panel. */

export type OpenType = 'iframe' | 'redirect';

export interface MountParams {
  /** The SERVER's order total (createOrder / order query). Never computed in the browser. */
  price: number;
  taxFree: number;
  orderName: string;
  applicationId: string;
  widgetKey: string;
  sandbox: boolean;
  /** Bootpay's host set: 'development' is Bootpay's test servers (the backend's BOOTPAY_MODE=development). */
  environment: 'production' | 'development';
  separatelyConfirmed: boolean;
  openType: OpenType;
  /** Required with openType 'redirect': where Bootpay (or the sandbox panel) sends the browser back. */
  redirectUrl?: string;
  /** 에스크로(구매안전) 결제: only ever true for an order the server marked escrowEligible. */
  escrow?: boolean;
  user?: { id?: string; username?: string; email?: string; phone?: string };
}

export interface PayRequest {
  orderId: string;
  orderName: string;
}

export type OutcomeKind = 'done' | 'confirm' | 'issued' | 'cancelled' | 'failed';

export interface Outcome {
  kind: OutcomeKind;
  receiptId?: string;
  orderId?: string;
  errorCode?: string;
  message?: string;
}

export interface PaymentWidget {
  mount(el: HTMLElement, params: MountParams): Promise<void>;
  /** Called with completed=true once a method is chosen (and terms accepted): enable the pay button. */
  onMethodChange(callback: (completed: boolean) => void): void;
  updateAmount(price: number, taxFree: number): void;
  /**
   * The buyer switched 에스크로(구매안전) 결제 on or off before paying. The real widget renders again with
   * `extra.escrow` (it may offer other methods), so it reports the method as not chosen until it is again.
   */
  setEscrow(escrow: boolean): void;
  /** Resolves with the normalised outcome; never rejects. A redirect flavour may leave the page instead. */
  pay(request: PayRequest): Promise<Outcome>;
  /** Removes Bootpay's payment overlay (needed after a separately-confirmed payment is settled). */
  closeOverlay(): void;
  teardown(): void;
}

// --- Registering a card for automatic payments (Bootpay's requestSubscription) ---------------------

export interface CardMountParams {
  applicationId: string;
  /** Bootpay's host set, as for payments: the backend's BOOTPAY_MODE=development uses Bootpay's test servers. */
  environment: 'production' | 'development';
  /** Shown in Bootpay's window: what will be charged each period (no money moves while registering). */
  comment: string;
  /** The SERVER's price of one period, shown by Bootpay's window; registering charges nothing. */
  price: number;
  user?: { id?: string; username?: string; email?: string; phone?: string };
}

export interface CardRequest {
  /** From requestBillingKey: the server remembers it was issued to this buyer. */
  subscriptionId: string;
  orderName: string;
}

/** Opens Bootpay's card registration (or the sandbox panel's stand-in) and reports its issuance receipt. */
export interface CardRegistrar {
  /** Renders the control that starts a registration into `el`; `start` is called when the buyer uses it. */
  mount(el: HTMLElement, params: CardMountParams, start: () => void): void;
  /** Resolves `done` with the issuance receipt id (never a billing key), `cancelled` or `failed`; never rejects. */
  issue(request: CardRequest): Promise<Outcome>;
  /** Enables or disables the start control (one registration at a time). */
  setBusy(busy: boolean): void;
  teardown(): void;
}

// --- Identity verification (본인인증; Bootpay's requestAuthentication) ------------------------------

export interface IdentityRequest {
  applicationId: string;
  /** Bootpay's host set, as for payments. */
  environment: 'production' | 'development';
  /** Ours, unique per attempt: Bootpay's authentication_id. */
  authenticationId: string;
  orderName: string;
}

/** Runs Bootpay's identity verification (or the sandbox panel's stand-in) and reports its receipt id. */
export interface IdentityVerifier {
  /** Renders the control that starts a verification into `el`; `start` is called when the buyer uses it. */
  mount(el: HTMLElement, start: () => void): void;
  /** Resolves `done` with the verification's receipt id (the server reads the rest), `cancelled` or `failed`. */
  verify(request: IdentityRequest): Promise<Outcome>;
  setBusy(busy: boolean): void;
  teardown(): void;
}

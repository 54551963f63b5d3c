/** Picks the adapter for checkoutConfig.mode. Neither choice loads the Bootpay SDK until mount(). */
import { BootpayAdapter } from './bootpay';
import { SandboxWidget } from './sandbox';
import type { PaymentWidget } from './types';

export function createPaymentWidget(mode: string): PaymentWidget {
  return mode === 'sandbox' ? new SandboxWidget() : new BootpayAdapter();
}

/** Narrow screens leave the page for Bootpay's window and come back to /checkout/return. */
export function preferredOpenType(): 'iframe' | 'redirect' {
  return window.matchMedia?.('(max-width: 768px)').matches ? 'redirect' : 'iframe';
}

export const RETURN_PATH = '/checkout/return';

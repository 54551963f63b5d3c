/** Picks the adapters for checkoutConfig.mode. No choice loads the Bootpay SDK until it is used. */
import { BootpayAdapter, BootpayCardRegistrar, BootpayIdentityVerifier } from './bootpay';
import { SandboxCardRegistrar, SandboxIdentityVerifier, SandboxWidget } from './sandbox';
import type { CardRegistrar, IdentityVerifier, PaymentWidget } from './types';

export function createPaymentWidget(mode: string): PaymentWidget {
  return mode === 'sandbox' ? new SandboxWidget() : new BootpayAdapter();
}

export function createCardRegistrar(mode: string): CardRegistrar {
  return mode === 'sandbox' ? new SandboxCardRegistrar() : new BootpayCardRegistrar();
}

export function createIdentityVerifier(mode: string): IdentityVerifier {
  return mode === 'sandbox' ? new SandboxIdentityVerifier() : new BootpayIdentityVerifier();
}

/** Narrow screens leave the page for Bootpay's window and come back to /checkout/return. */
export function preferredOpenType(): 'iframe' | 'redirect' {
  return window.matchMedia?.('(max-width: 768px)').matches ? 'redirect' : 'iframe';
}

export const RETURN_PATH = '/checkout/return';

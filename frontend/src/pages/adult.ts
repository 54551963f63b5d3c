/**
 * The "성인 인증" step of the checkout: shown when the order holds an adult-only product and the buyer has no
 * live adult verification (the server refused createOrder with adult_verification_required). It runs
 * Bootpay's identity verification (or the sandbox stand-in), hands the receipt id to the server
 * (verifyIdentity), which decides; nothing personal passes through this page.
 */
import { ApiError } from '../api/client';
import { fetchCheckoutConfig, verifyIdentity } from '../api/backend';
import { h } from '../dom';
import { createIdentityVerifier } from '../payment';
import type { IdentityVerifier } from '../payment/types';
import { alertSlot } from './common';

export const ADULT_STEP_TITLE = '성인 인증';
export const MINOR_REFUSED = '만 19세 미만(청소년)은 성인 전용 상품을 구매할 수 없습니다.';

export interface AdultStepDeps {
  checkoutConfig: typeof fetchCheckoutConfig;
  verifyIdentity: typeof verifyIdentity;
  createVerifier: (mode: string) => IdentityVerifier;
  newAuthenticationId: () => string;
}

export const liveAdultStepDeps: AdultStepDeps = {
  checkoutConfig: fetchCheckoutConfig,
  verifyIdentity,
  createVerifier: createIdentityVerifier,
  newAuthenticationId: () => `auth_${crypto.randomUUID().replaceAll('-', '')}`,
};

/** Renders the step into `el`; resolves once the server accepted an adult verification (never rejects). */
export async function adultStep(el: HTMLElement, deps: AdultStepDeps = liveAdultStepDeps): Promise<void> {
  const config = await deps.checkoutConfig();
  const verifier = deps.createVerifier(config.mode);
  const alert = alertSlot();
  const control = h('div', { className: 'identity-control' });
  el.hidden = false;
  el.replaceChildren(
    h('h2', null, ADULT_STEP_TITLE),
    h('p', null, '성인 전용 상품이 있습니다. 본인인증으로 만 19세 이상(청소년보호법 기준)임을 확인한 뒤 결제할 수 있습니다.'),
    alert.el,
    control,
  );
  return new Promise<void>((resolve) => {
    const start = async () => {
      verifier.setBusy(true);
      alert.show(null);
      try {
        const outcome = await verifier.verify({
          applicationId: config.webApplicationId,
          environment: config.mode === 'development' ? 'development' : 'production',
          authenticationId: deps.newAuthenticationId(),
          orderName: '성인 인증',
        });
        if (outcome.kind !== 'done' || !outcome.receiptId) {
          if (outcome.kind !== 'cancelled') alert.show(outcome.message ?? '본인인증에 실패했습니다.');
          return;
        }
        const verification = await deps.verifyIdentity(outcome.receiptId);
        if (!verification.adult) {
          alert.show(MINOR_REFUSED);
          return;
        }
        verifier.teardown();
        el.hidden = true;
        el.replaceChildren();
        resolve();
      } catch (error: unknown) {
        alert.show(error instanceof ApiError ? error.message : '본인인증을 확인하지 못했습니다.');
      } finally {
        verifier.setBusy(false);
      }
    };
    verifier.mount(control, () => void start());
  });
}

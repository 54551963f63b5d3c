import { describe, expect, it, vi } from 'vitest';

import type { IdentityRequest, IdentityVerifier, Outcome } from '../payment/types';
import { ADULT_STEP_TITLE, MINOR_REFUSED, adultStep, type AdultStepDeps } from './adult';

class FakeVerifier implements IdentityVerifier {
  start: (() => void) | null = null;
  requests: IdentityRequest[] = [];
  constructor(private readonly outcomes: Outcome[]) {}
  mount(el: HTMLElement, start: () => void): void {
    this.start = start;
    el.replaceChildren(document.createElement('button'));
  }
  async verify(request: IdentityRequest): Promise<Outcome> {
    this.requests.push(request);
    return this.outcomes.shift() ?? { kind: 'cancelled' };
  }
  setBusy(): void {}
  teardown(): void {}
}

function deps(verifier: FakeVerifier, adult: boolean[]): AdultStepDeps {
  return {
    checkoutConfig: vi.fn(async () => ({ webApplicationId: 'web-id', widgetKey: 'k', mode: 'production', separatelyConfirmed: false })),
    verifyIdentity: vi.fn(async () => ({ adult: adult.shift() ?? false, expiresAt: '2027-01-01T00:00:00+09:00' })),
    createVerifier: () => verifier,
    newAuthenticationId: () => 'auth_1',
  } as unknown as AdultStepDeps;
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('adultStep', () => {
  it('shows the 성인 인증 step and resolves once the server accepts an adult', async () => {
    const el = document.createElement('section');
    const verifier = new FakeVerifier([{ kind: 'done', receiptId: 'r-adult' }]);
    const d = deps(verifier, [true]);
    const done = adultStep(el, d);
    await flush();

    expect(el.hidden).toBe(false);
    expect(el.textContent).toContain(ADULT_STEP_TITLE);
    verifier.start?.();
    await done;

    expect(d.verifyIdentity).toHaveBeenCalledWith('r-adult');
    expect(verifier.requests[0]).toMatchObject({ applicationId: 'web-id', authenticationId: 'auth_1', environment: 'production' });
    expect(el.hidden).toBe(true);
  });

  it('keeps a minor on the step with the refusal shown', async () => {
    const el = document.createElement('section');
    const verifier = new FakeVerifier([{ kind: 'done', receiptId: 'r-minor' }]);
    let resolved = false;
    void adultStep(el, deps(verifier, [false])).then(() => (resolved = true));
    await flush();

    verifier.start?.();
    await flush();
    await flush();

    expect(resolved).toBe(false);
    expect(el.querySelector('[role=alert]')?.textContent).toBe(MINOR_REFUSED);
  });

  it('a closed window sends nothing to the server', async () => {
    const el = document.createElement('section');
    const verifier = new FakeVerifier([{ kind: 'cancelled' }]);
    const d = deps(verifier, []);
    void adultStep(el, d);
    await flush();

    verifier.start?.();
    await flush();

    expect(d.verifyIdentity).not.toHaveBeenCalled();
  });
});

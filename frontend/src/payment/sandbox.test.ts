import { afterEach, describe, expect, it, vi } from 'vitest';
import { DECLINING_CARD_LABEL, SandboxCardRegistrar, SandboxWidget, TEST_CARD_BUTTON } from './sandbox';
import type { CardMountParams, MountParams } from './types';

const params: MountParams = {
  price: 43000,
  taxFree: 0,
  orderName: '주문',
  applicationId: 'a',
  widgetKey: 'w',
  sandbox: true,
  environment: 'production',
  separatelyConfirmed: true,
  openType: 'iframe',
};

function mountPanel(widget: SandboxWidget, extra: Partial<MountParams> = {}) {
  document.body.innerHTML = '<div id="bootpay-widget"></div>';
  const el = document.getElementById('bootpay-widget')!;
  return widget.mount(el, { ...params, ...extra }).then(() => el);
}

function choose(el: HTMLElement, label: string) {
  const target = [...el.querySelectorAll('label')].find((l) => l.textContent?.trim() === label);
  const input = target!.querySelector('input')!;
  input.checked = true;
  input.dispatchEvent(new Event('change'));
}

function answer(body: unknown, status = 201) {
  return vi.spyOn(globalThis, 'fetch').mockResolvedValue(
    new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }),
  );
}

afterEach(() => vi.restoreAllMocks());

describe('SandboxWidget', () => {
  it('shows the marked panel with every scenario and reports completed on choice', async () => {
    const widget = new SandboxWidget();
    const seen: boolean[] = [];
    widget.onMethodChange((c) => seen.push(c));
    const el = await mountPanel(widget);
    expect(el.querySelector('legend')?.textContent).toContain('TEST PAYMENT');
    expect(el.querySelector('legend')?.textContent).toContain('테스트 결제');
    expect(el.querySelector('fieldset')?.dataset.price).toBe('43000'); // the server amount it was mounted with
    const labels = [...el.querySelectorAll('label')].map((l) => l.textContent?.trim());
    expect(labels).toEqual(['카드 결제 (승인)', '카드 결제 (별도 승인)', '가상계좌 발급', '결제 실패', '결제창 닫기', '금액 변조 (테스트)']);
    choose(el, '카드 결제 (승인)');
    expect(seen).toEqual([true]);
  });

  it('close resolves cancelled without any request', async () => {
    const fetch = vi.spyOn(globalThis, 'fetch');
    const widget = new SandboxWidget();
    choose(await mountPanel(widget), '결제창 닫기');
    expect((await widget.pay({ orderId: 'o1', orderName: 'x' })).kind).toBe('cancelled');
    expect(fetch).not.toHaveBeenCalled();
  });

  it('posts order_id and scenario only (never an amount) and normalises done', async () => {
    const fetch = answer({ receipt_id: 'r1', order_id: 'o1', event: 'done' });
    const widget = new SandboxWidget();
    choose(await mountPanel(widget), '카드 결제 (승인)');
    expect(await widget.pay({ orderId: 'o1', orderName: 'x' })).toEqual({ kind: 'done', receiptId: 'r1', orderId: 'o1' });
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe('/api/v1/sandbox/payments/');
    expect(JSON.parse(String(init?.body))).toEqual({ order_id: 'o1', scenario: 'paid' });
  });

  it.each([
    ['카드 결제 (별도 승인)', 'confirm', { event: 'confirm' }, 'confirm'],
    ['가상계좌 발급', 'vbank', { event: 'issued' }, 'issued'],
    ['금액 변조 (테스트)', 'tampered', { event: 'done' }, 'done'],
    ['결제 실패', 'failed', { event: 'error', error_code: 'RC_PG_FAILED', message: '실패' }, 'failed'],
  ])('%s → scenario %s', async (label, scenario, reply, kind) => {
    const fetch = answer({ receipt_id: 'r', order_id: 'o', ...reply });
    const widget = new SandboxWidget();
    choose(await mountPanel(widget), label);
    const outcome = await widget.pay({ orderId: 'o', orderName: 'x' });
    expect(JSON.parse(String(fetch.mock.calls[0][1]?.body)).scenario).toBe(scenario);
    expect(outcome.kind).toBe(kind);
    if (kind === 'failed') expect(outcome.errorCode).toBe('RC_PG_FAILED');
  });

  it('sends escrow: true only when 에스크로(구매안전) 결제 was chosen, keeping the chosen scenario', async () => {
    const body = JSON.stringify({ receipt_id: 'r1', order_id: 'o1', event: 'done' });
    const fetch = vi
      .spyOn(globalThis, 'fetch')
      .mockImplementation(async () => new Response(body, { status: 201, headers: { 'Content-Type': 'application/json' } }));
    const widget = new SandboxWidget();
    const seen: boolean[] = [];
    widget.onMethodChange((c) => seen.push(c));
    const el = await mountPanel(widget);
    choose(el, '카드 결제 (승인)');
    await widget.pay({ orderId: 'o1', orderName: 'x' });
    expect(JSON.parse(String(fetch.mock.calls[0][1]?.body))).toEqual({ order_id: 'o1', scenario: 'paid' });
    widget.setEscrow(true);
    expect(el.querySelector('fieldset')?.dataset.escrow).toBe('true');
    expect(await widget.pay({ orderId: 'o1', orderName: 'x' })).toMatchObject({ kind: 'done', receiptId: 'r1' });
    expect(JSON.parse(String(fetch.mock.calls[1][1]?.body))).toEqual({ order_id: 'o1', scenario: 'paid', escrow: true });
    widget.setEscrow(false);
    await widget.pay({ orderId: 'o1', orderName: 'x' });
    expect(JSON.parse(String(fetch.mock.calls[2][1]?.body))).not.toHaveProperty('escrow');
    expect(seen).toEqual([true]);
  });

  it('a panel mounted with escrow sends it', async () => {
    const fetch = answer({ receipt_id: 'r1', order_id: 'o1', event: 'done' });
    const widget = new SandboxWidget();
    choose(await mountPanel(widget, { escrow: true }), '가상계좌 발급');
    await widget.pay({ orderId: 'o1', orderName: 'x' });
    expect(JSON.parse(String(fetch.mock.calls[0][1]?.body))).toEqual({ order_id: 'o1', scenario: 'vbank', escrow: true });
  });

  it('the redirect flavour navigates to the return page instead of resolving', async () => {
    answer({ receipt_id: 'r9', order_id: 'o9', event: 'done' });
    const navigate = vi.fn();
    const widget = new SandboxWidget({ navigate });
    choose(await mountPanel(widget, { openType: 'redirect', redirectUrl: 'http://localhost/checkout/return' }), '카드 결제 (승인)');
    void widget.pay({ orderId: 'o9', orderName: 'x' });
    await vi.waitFor(() => expect(navigate).toHaveBeenCalled());
    expect(navigate.mock.calls[0][0]).toBe('http://localhost/checkout/return?receipt_id=r9&order_id=o9&event=done');
  });

  it('an API error becomes failed with its code', async () => {
    answer({ code: 'order_not_payable', message: 'no', details: {} }, 409);
    const widget = new SandboxWidget();
    choose(await mountPanel(widget), '카드 결제 (승인)');
    expect(await widget.pay({ orderId: 'o', orderName: 'x' })).toMatchObject({ kind: 'failed', errorCode: 'order_not_payable' });
  });
});

describe('SandboxCardRegistrar', () => {
  const card: CardMountParams = { applicationId: 'a', environment: 'production', comment: 'c', price: 9900 };

  function mount(start = vi.fn()) {
    const el = document.createElement('div');
    const registrar = new SandboxCardRegistrar();
    registrar.mount(el, card, start);
    return { el, registrar, start };
  }

  it('puts 테스트 카드 발급 in the marked TEST PAYMENT panel', () => {
    const { el, start } = mount();
    expect(el.querySelector('legend')?.textContent).toContain('TEST PAYMENT');
    const button = [...el.querySelectorAll('button')].find((b) => b.textContent === TEST_CARD_BUTTON)!;
    button.click();
    expect(start).toHaveBeenCalledTimes(1);
  });

  it('asks the emulator for an issuance receipt with the subscription_id and normalises it as done', async () => {
    const fetch = answer({ receipt_id: 'rcpt-7' });
    const { registrar } = mount();
    expect(await registrar.issue({ subscriptionId: 'bkr_1', orderName: 'x' })).toEqual({
      kind: 'done',
      receiptId: 'rcpt-7',
      orderId: undefined,
    });
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe('/api/v1/sandbox/billing-keys/');
    expect(JSON.parse(String(init?.body))).toEqual({ subscription_id: 'bkr_1', decline: false });
  });

  it('the declining test card is asked for with its checkbox', async () => {
    const fetch = answer({ receipt_id: 'r' });
    const { el, registrar } = mount();
    const checkbox = [...el.querySelectorAll('label')].find((l) => l.textContent?.includes(DECLINING_CARD_LABEL))!.querySelector('input')!;
    checkbox.checked = true;
    await registrar.issue({ subscriptionId: 'bkr_2', orderName: 'x' });
    expect(JSON.parse(String(fetch.mock.calls[0][1]?.body))).toEqual({ subscription_id: 'bkr_2', decline: true });
  });

  it('an API error becomes failed with its code; busy disables the button', async () => {
    answer({ code: 'not_found', message: 'no', details: {} }, 404);
    const { el, registrar } = mount();
    expect(await registrar.issue({ subscriptionId: 's', orderName: 'x' })).toMatchObject({ kind: 'failed', errorCode: 'not_found' });
    registrar.setBusy(true);
    expect(el.querySelector('button')!.disabled).toBe(true);
    registrar.teardown();
    expect(el.querySelector('fieldset')).toBeNull();
  });
});

import { beforeEach, describe, expect, it, vi } from 'vitest';

const sdk = vi.hoisted(() => ({
  BootpayWidget: {
    render: vi.fn(),
    update: vi.fn(),
    requestPayment: vi.fn(),
    destroy: vi.fn(),
    setEnvironmentMode: vi.fn(),
  },
  Bootpay: {
    destroy: vi.fn(),
    requestSubscription: vi.fn(),
    requestAuthentication: vi.fn(),
    setEnvironmentMode: vi.fn(),
  },
}));
vi.mock('@bootpay/client-js', () => ({ ...sdk, default: sdk.Bootpay }));

import { BootpayAdapter, BootpayCardRegistrar, requestAuthentication, requestSubscription } from './bootpay';
import type { CardMountParams, MountParams } from './types';

const base: MountParams = {
  price: 43000,
  taxFree: 3000,
  orderName: '사과 외 1건',
  applicationId: 'web-app-id',
  widgetKey: 'widget-key',
  sandbox: true,
  environment: 'production',
  separatelyConfirmed: false,
  openType: 'iframe',
};

function container(): HTMLElement {
  document.body.innerHTML = '<div id="bootpay-widget"></div>';
  return document.getElementById('bootpay-widget')!;
}

describe('BootpayAdapter', () => {
  beforeEach(() => {
    for (const fn of [...Object.values(sdk.BootpayWidget), ...Object.values(sdk.Bootpay)]) fn.mockReset();
  });

  it('renders with the server price, tax_free, order_name, keys and open_type iframe', async () => {
    await new BootpayAdapter().mount(container(), base);
    expect(sdk.BootpayWidget.render).toHaveBeenCalledTimes(1);
    const [el, params] = sdk.BootpayWidget.render.mock.calls[0];
    expect(el).toBe('#bootpay-widget');
    expect(params).toMatchObject({
      price: 43000,
      tax_free: 3000,
      order_name: '사과 외 1건',
      application_id: 'web-app-id',
      widget_key: 'widget-key',
      sandbox: true,
      extra: { open_type: 'iframe', separately_confirmed: false, display_cash_receipt: false },
    });
    expect(params.extra.redirect_url).toBeUndefined();
  });

  it('hides the PG window\'s own 현금영수증 (display_cash_receipt: false) in render and requestPayment: the backend issues it', async () => {
    sdk.BootpayWidget.requestPayment.mockResolvedValue({ event: 'issued', data: { receipt_id: 'r1', order_id: 'o1' } });
    const adapter = new BootpayAdapter();
    await adapter.mount(container(), base);
    expect(sdk.BootpayWidget.render.mock.calls[0][1].extra.display_cash_receipt).toBe(false);
    await adapter.pay({ orderId: 'o1', orderName: 'x' });
    expect(sdk.BootpayWidget.requestPayment.mock.calls[0][0].extra.display_cash_receipt).toBe(false);
  });

  it.each(['production', 'development'] as const)('talks to Bootpay\'s %s servers, as the backend does', async (environment) => {
    await new BootpayAdapter().mount(container(), { ...base, environment });
    expect(sdk.BootpayWidget.setEnvironmentMode).toHaveBeenCalledWith(environment, undefined);
    expect(sdk.BootpayWidget.setEnvironmentMode.mock.invocationCallOrder[0]).toBeLessThan(
      sdk.BootpayWidget.render.mock.invocationCallOrder[0],
    );
  });

  it('the redirect flavour passes open_type redirect and redirect_url', async () => {
    await new BootpayAdapter().mount(container(), {
      ...base,
      separatelyConfirmed: true,
      openType: 'redirect',
      redirectUrl: 'http://localhost/checkout/return',
    });
    expect(sdk.BootpayWidget.render.mock.calls[0][1].extra).toEqual({
      open_type: 'redirect',
      redirect_url: 'http://localhost/checkout/return',
      separately_confirmed: true,
      display_cash_receipt: false,
    });
  });

  it('reports paymentMethodUpdated completed', async () => {
    const adapter = new BootpayAdapter();
    const seen: boolean[] = [];
    adapter.onMethodChange((completed) => seen.push(completed));
    await adapter.mount(container(), base);
    const hooks = sdk.BootpayWidget.render.mock.calls[0][1].hooks;
    hooks.paymentMethodUpdated({ pg: 'x', method: 'card', completed: false });
    hooks.paymentMethodUpdated({ pg: 'x', method: 'card', completed: true });
    expect(seen).toEqual([false, true]);
  });

  it('requestPayment gets the order_id and a done result is normalised', async () => {
    sdk.BootpayWidget.requestPayment.mockResolvedValue({ event: 'done', data: { receipt_id: 'r1', order_id: 'o1' } });
    const adapter = new BootpayAdapter();
    await adapter.mount(container(), base);
    const outcome = await adapter.pay({ orderId: 'o1', orderName: '사과 외 1건' });
    expect(sdk.BootpayWidget.requestPayment).toHaveBeenCalledWith(
      expect.objectContaining({ order_id: 'o1', order_name: '사과 외 1건', price: 43000 }),
    );
    expect(outcome).toEqual({ kind: 'done', receiptId: 'r1', orderId: 'o1' });
  });

  it('a rejection (window closed) becomes cancelled', async () => {
    sdk.BootpayWidget.requestPayment.mockRejectedValue({ event: 'cancel', error_code: 'RC_CLOSE_WINDOW' });
    const adapter = new BootpayAdapter();
    await adapter.mount(container(), base);
    expect((await adapter.pay({ orderId: 'o1', orderName: 'x' })).kind).toBe('cancelled');
  });

  it('an ordinary payment has no escrow in extra; escrow: true passes extra.escrow to render and requestPayment', async () => {
    await new BootpayAdapter().mount(container(), base);
    expect(sdk.BootpayWidget.render.mock.calls[0][1].extra).not.toHaveProperty('escrow');
    sdk.BootpayWidget.render.mockReset();
    sdk.BootpayWidget.requestPayment.mockResolvedValue({ event: 'done', data: { receipt_id: 'r1', order_id: 'o1' } });
    const adapter = new BootpayAdapter();
    await adapter.mount(container(), { ...base, escrow: true });
    expect(sdk.BootpayWidget.render.mock.calls[0][1].extra).toEqual({
      open_type: 'iframe',
      separately_confirmed: false,
      display_cash_receipt: false,
      escrow: true,
    });
    await adapter.pay({ orderId: 'o1', orderName: 'x' });
    expect(sdk.BootpayWidget.requestPayment.mock.calls[0][0].extra).toMatchObject({ escrow: true });
  });

  it('setEscrow renders again with extra.escrow (the stored render extra wins) and reports no method until chosen again', async () => {
    const adapter = new BootpayAdapter();
    const seen: boolean[] = [];
    adapter.onMethodChange((completed) => seen.push(completed));
    await adapter.mount(container(), { ...base, openType: 'redirect', redirectUrl: 'http://localhost/checkout/return' });
    adapter.setEscrow(true);
    expect(sdk.BootpayWidget.render).toHaveBeenCalledTimes(2);
    const [el, params] = sdk.BootpayWidget.render.mock.calls[1];
    expect(el).toBe('#bootpay-widget');
    expect(params).toMatchObject({ price: 43000, tax_free: 3000, order_name: '사과 외 1건', widget_key: 'widget-key' });
    expect(params.extra).toEqual({
      open_type: 'redirect',
      redirect_url: 'http://localhost/checkout/return',
      separately_confirmed: false,
      display_cash_receipt: false,
      escrow: true,
    });
    expect(params).not.toBe(sdk.BootpayWidget.render.mock.calls[0][1]); // a fresh object: render keeps it
    expect(seen).toEqual([false]);
    adapter.setEscrow(true); // unchanged: no render
    expect(sdk.BootpayWidget.render).toHaveBeenCalledTimes(2);
    adapter.setEscrow(false);
    expect(sdk.BootpayWidget.render.mock.calls[2][1].extra).not.toHaveProperty('escrow');
    // the new widget's hook still reaches the listeners
    sdk.BootpayWidget.render.mock.calls[2][1].hooks.paymentMethodUpdated({ completed: true });
    expect(seen).toEqual([false, false, true]);
  });

  it('setEscrow before mount does nothing', () => {
    new BootpayAdapter().setEscrow(true);
    expect(sdk.BootpayWidget.render).not.toHaveBeenCalled();
  });

  it('updateAmount calls update with price and tax_free', async () => {
    const adapter = new BootpayAdapter();
    await adapter.mount(container(), base);
    adapter.updateAmount(40000, 0);
    expect(sdk.BootpayWidget.update).toHaveBeenCalledWith({ price: 40000, tax_free: 0 });
  });

  it('closeOverlay calls Bootpay.destroy; teardown empties the widget', async () => {
    const adapter = new BootpayAdapter();
    await adapter.mount(container(), base);
    adapter.closeOverlay();
    expect(sdk.Bootpay.destroy).toHaveBeenCalledTimes(1);
    adapter.teardown();
    expect(sdk.BootpayWidget.destroy).toHaveBeenCalledTimes(1);
  });
});

const card: CardMountParams = {
  applicationId: 'web-app-id',
  environment: 'development',
  comment: '매월 9,900원이 결제됩니다.',
  price: 9900,
};

describe('requestSubscription', () => {
  beforeEach(() => {
    for (const fn of Object.values(sdk.Bootpay)) fn.mockReset();
  });

  it('opens the card registration with the server subscription_id, on the backend servers, without a test charge', async () => {
    sdk.Bootpay.requestSubscription.mockResolvedValue({ event: 'done', data: { receipt_id: 'rcpt-1' } });
    const outcome = await requestSubscription({ ...card, subscriptionId: 'bkr_1', orderName: '정기결제 카드 등록' });
    expect(sdk.Bootpay.setEnvironmentMode).toHaveBeenCalledWith('development', undefined);
    expect(sdk.Bootpay.setEnvironmentMode.mock.invocationCallOrder[0]).toBeLessThan(
      sdk.Bootpay.requestSubscription.mock.invocationCallOrder[0],
    );
    expect(sdk.Bootpay.requestSubscription).toHaveBeenCalledWith({
      application_id: 'web-app-id',
      subscription_id: 'bkr_1',
      order_name: '정기결제 카드 등록',
      price: 9900,
      tax_free: 0,
      user: undefined,
      extra: { open_type: 'iframe', subscription_comment: '매월 9,900원이 결제됩니다.', subscribe_test_payment: false },
    });
    // done carries only the issuance receipt: the billing key never reaches the browser.
    expect(outcome).toEqual({ kind: 'done', receiptId: 'rcpt-1', orderId: undefined });
  });

  it('a top-level receipt_id is read too', async () => {
    sdk.Bootpay.requestSubscription.mockResolvedValue({ event: 'done', receipt_id: 'rcpt-2' });
    expect(await requestSubscription({ ...card, subscriptionId: 's', orderName: 'x' })).toMatchObject({
      kind: 'done',
      receiptId: 'rcpt-2',
    });
  });

  it.each([
    [{ event: 'cancel', error_code: 'RC_CLOSE_WINDOW' }, 'cancelled', 'RC_CLOSE_WINDOW'],
    [{ event: 'error', error_code: 'RC_CARD_INVALID', message: '유효하지 않은 카드' }, 'failed', 'RC_CARD_INVALID'],
  ])('a rejection %j becomes %s', async (raw, kind, code) => {
    sdk.Bootpay.requestSubscription.mockRejectedValue(raw);
    expect(await requestSubscription({ ...card, subscriptionId: 's', orderName: 'x' })).toMatchObject({ kind, errorCode: code });
  });
});

describe('BootpayCardRegistrar', () => {
  it('renders 카드 등록, which starts a registration, and issues through requestSubscription', async () => {
    sdk.Bootpay.requestSubscription.mockResolvedValue({ event: 'done', data: { receipt_id: 'r' } });
    const el = document.createElement('div');
    const start = vi.fn();
    const registrar = new BootpayCardRegistrar();
    registrar.mount(el, card, start);
    const button = el.querySelector('button')!;
    expect(button.textContent).toBe('카드 등록');
    button.click();
    expect(start).toHaveBeenCalledTimes(1);
    registrar.setBusy(true);
    expect(button.disabled).toBe(true);
    expect(await registrar.issue({ subscriptionId: 'bkr_9', orderName: 'x' })).toMatchObject({ kind: 'done', receiptId: 'r' });
    expect(sdk.Bootpay.requestSubscription.mock.lastCall?.[0]).toMatchObject({ subscription_id: 'bkr_9', price: 9900 });
    registrar.teardown();
    expect(el.querySelector('button')).toBeNull();
  });
});

describe('requestAuthentication', () => {
  beforeEach(() => {
    for (const fn of Object.values(sdk.Bootpay)) fn.mockReset();
  });

  it('opens Bootpay\'s identity verification and reports its receipt id', async () => {
    sdk.Bootpay.requestAuthentication.mockResolvedValue({ event: 'done', data: { receipt_id: 'auth-receipt' } });

    const outcome = await requestAuthentication({
      applicationId: 'web-app-id',
      environment: 'development',
      authenticationId: 'auth_1',
      orderName: '성인 인증',
    });

    expect(outcome).toMatchObject({ kind: 'done', receiptId: 'auth-receipt' });
    expect(sdk.Bootpay.setEnvironmentMode).toHaveBeenCalledWith('development', undefined);
    expect(sdk.Bootpay.requestAuthentication).toHaveBeenCalledWith(
      expect.objectContaining({ application_id: 'web-app-id', authentication_id: 'auth_1', extra: { open_type: 'iframe' } }),
    );
  });

  it('a closed window is cancelled', async () => {
    sdk.Bootpay.requestAuthentication.mockRejectedValue({ event: 'cancel', error_code: 'RC_CLOSE_WINDOW' });

    const outcome = await requestAuthentication({
      applicationId: 'a',
      environment: 'production',
      authenticationId: 'auth_2',
      orderName: '성인 인증',
    });

    expect(outcome.kind).toBe('cancelled');
  });
});

import { beforeEach, describe, expect, it, vi } from 'vitest';

const sdk = vi.hoisted(() => ({
  BootpayWidget: {
    render: vi.fn(),
    update: vi.fn(),
    requestPayment: vi.fn(),
    destroy: vi.fn(),
    setEnvironmentMode: vi.fn(),
  },
  Bootpay: { destroy: vi.fn() },
}));
vi.mock('@bootpay/client-js', () => ({ ...sdk, default: sdk.Bootpay }));

import { BootpayAdapter } from './bootpay';
import type { MountParams } from './types';

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
    for (const fn of [...Object.values(sdk.BootpayWidget), sdk.Bootpay.destroy]) fn.mockReset();
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
      extra: { open_type: 'iframe', separately_confirmed: false },
    });
    expect(params.extra.redirect_url).toBeUndefined();
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

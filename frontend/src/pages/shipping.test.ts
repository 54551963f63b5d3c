/** The seller's ship form and 내 주문's shipment, rendered with the API mocked (no fetch). */
import { beforeEach, describe, expect, it, vi } from 'vitest';

const api = vi.hoisted(() => ({
  fetchMe: vi.fn(),
  fetchSellerOrders: vi.fn(),
  fetchMyOrders: vi.fn(),
  markItemShipped: vi.fn(),
  cancelPayment: vi.fn(),
  cancelOrder: vi.fn(),
}));
vi.mock('../api/backend', () => api);
// The seller page's 정산 내역 section loads its own period; an empty statement keeps it quiet here.
vi.mock('../statement/api', () => ({
  fetchSellerStatement: vi.fn().mockResolvedValue({ sellers: [], total: null }),
}));

import { ordersPage } from './orders';
import { sellerPage } from './seller';

const line = {
  id: '11',
  productName: '무선 키보드',
  quantity: 1,
  lineTotal: 18000,
  status: 'paid',
  shipped: false,
  courier: '',
  trackingNumber: '',
  shippedAt: null as string | null,
};

function sellerOrder(escrow: unknown, items = [line]) {
  return { orderId: 'ord_1', status: 'paid', createdAt: '2026-12-01T12:00:00+00:00', paymentId: 'pay_1', escrow, items };
}

async function renderSeller(order: unknown) {
  api.fetchMe.mockResolvedValue({ username: 'seller', isStaff: false, isSeller: true });
  api.fetchSellerOrders.mockResolvedValue([order]);
  const root = document.createElement('div');
  document.body.replaceChildren(root);
  await sellerPage(root, new URL('http://localhost/seller/'));
  return root;
}

const byLabel = (root: HTMLElement, text: string) => {
  const label = [...root.querySelectorAll('label')].find((l) => l.textContent === text)!;
  return document.getElementById(label.htmlFor) as HTMLInputElement | HTMLSelectElement;
};

const shipButton = (root: HTMLElement) =>
  root.querySelector<HTMLButtonElement>('button[aria-label="발송 처리: 무선 키보드"]')!;

beforeEach(() => {
  for (const fn of Object.values(api)) fn.mockReset();
});

describe('seller ship form', () => {
  it('sends the chosen courier and the tracking number without hyphens', async () => {
    api.markItemShipped.mockResolvedValue({ id: '11', shipped: true });
    const root = await renderSeller(sellerOrder(null));
    const courier = byLabel(root, '택배사') as HTMLSelectElement;
    expect([...courier.options].map((o) => o.value)).toContain('CJ대한통운');
    courier.value = '한진택배';
    byLabel(root, '송장번호').value = '1234-5678-9012';
    shipButton(root).click();
    await vi.waitFor(() => expect(api.markItemShipped).toHaveBeenCalledTimes(1));
    expect(api.markItemShipped).toHaveBeenCalledWith('ord_1', '11', { courier: '한진택배', trackingNumber: '123456789012' });
  });

  it('an ordinary payment may ship without them', async () => {
    api.markItemShipped.mockResolvedValue({ id: '11', shipped: true });
    const root = await renderSeller(sellerOrder(null));
    shipButton(root).click();
    await vi.waitFor(() => expect(api.markItemShipped).toHaveBeenCalledWith('ord_1', '11', null));
  });

  it('an escrow payment needs both: an alert, no request', async () => {
    const root = await renderSeller(sellerOrder({ status: 'pending', courier: '', trackingNumber: '', registeredAt: null, errorCode: null }));
    shipButton(root).click();
    await vi.waitFor(() => expect(root.querySelector('[role=alert]')?.textContent).toContain('택배사와 송장번호'));
    expect(api.markItemShipped).not.toHaveBeenCalled();
    expect(root.textContent).toContain('배송 등록: 등록 대기');
  });

  it('shows a failed registration with its error code, and a shipped line with its shipment', async () => {
    const shipped = { ...line, shipped: true, courier: 'CJ대한통운', trackingNumber: '654321098765', shippedAt: '2026-12-01T12:00:00+00:00' };
    const root = await renderSeller(
      sellerOrder({ status: 'failed', courier: 'CJ대한통운', trackingNumber: '654321098765', registeredAt: null, errorCode: 'RC_NOT_ESCROW' }, [shipped]),
    );
    expect(root.querySelector('.escrow-state')?.textContent).toContain('배송 등록: 등록 실패 (RC_NOT_ESCROW)');
    expect(root.textContent).toContain('CJ대한통운 654321098765');
    expect(shipButton(root)).toBeNull();
  });
});

describe('내 주문 shipment', () => {
  it('lists courier, tracking number and shipped date of a shipped line only', async () => {
    api.fetchMe.mockResolvedValue({ username: 'buyer', isStaff: false, isSeller: false });
    const seller = { id: '1', name: '키보드상회' };
    const common = { unitPrice: 18000, isTaxFree: false, seller };
    api.fetchMyOrders.mockResolvedValue([
      {
        orderId: 'ord_1',
        status: 'paid',
        orderName: '무선 키보드 외 1건',
        totalAmount: 30000,
        taxFreeAmount: 0,
        createdAt: '2026-12-01T12:00:00+00:00',
        escrowEligible: true,
        escrow: { status: 'registered', courier: 'CJ대한통운', trackingNumber: '654321098765', registeredAt: null, errorCode: null },
        payments: [],
        items: [
          { ...line, ...common, shipped: true, courier: 'CJ대한통운', trackingNumber: '654321098765', shippedAt: '2026-12-01T12:00:00+00:00' },
          { ...line, ...common, id: '12', productName: '무선 마우스' },
        ],
      },
    ]);
    const root = document.createElement('div');
    await ordersPage(root, new URL('http://localhost/orders/'));
    const facts = root.querySelector('[aria-label="배송 정보: 무선 키보드"]')!;
    expect([...facts.querySelectorAll('dt')].map((d) => d.textContent)).toEqual(['택배사', '송장번호', '발송일']);
    expect(facts.textContent).toContain('CJ대한통운');
    expect(facts.textContent).toContain('654321098765');
    expect(root.querySelector('[aria-label="배송 정보: 무선 마우스"]')).toBeNull();
  });
});

/** The shop draws its cart with the products, so the list arriving never pushes a drawn cart down the page. */
import { beforeEach, describe, expect, it, vi } from 'vitest';

const api = vi.hoisted(() => ({ fetchProducts: vi.fn() }));
vi.mock('../api/backend', () => api);

import { shopPage } from './shop';

const product = {
  id: '1',
  name: '무선 키보드',
  price: 18000,
  stock: 5,
  isActive: true,
  isTaxFree: false,
  adultOnly: false,
  subscriptionInterval: null,
  seller: { id: '1', name: '키보드상회' },
};

beforeEach(() => {
  api.fetchProducts.mockReset();
  localStorage.clear();
});

describe('shop', () => {
  it('keeps the cart out of the layout until the products are drawn, then shows both at once', async () => {
    let answer: (products: unknown[]) => void = () => {};
    api.fetchProducts.mockReturnValue(new Promise((resolve) => (answer = resolve)));
    const root = document.createElement('div');
    const page = shopPage(root);
    const cart = root.querySelector<HTMLElement>('section[aria-label="장바구니"]')!;
    expect(cart.hidden).toBe(true);

    answer([product]);
    await page;
    expect(cart.hidden).toBe(false);
    expect(cart.textContent).toContain('장바구니가 비어 있습니다.');
    expect(root.querySelector('.product-grid')?.textContent).toContain('무선 키보드');
  });

  it('still shows the cart when the products cannot be loaded', async () => {
    api.fetchProducts.mockRejectedValue(new Error('offline'));
    const root = document.createElement('div');
    await shopPage(root);
    expect(root.querySelector<HTMLElement>('section[aria-label="장바구니"]')!.hidden).toBe(false);
    expect(root.querySelector('[role=alert]')).not.toBeNull();
  });
});

import { fetchProducts, type Product } from '../api/backend';
import { addToCart, estimate, groupBySeller, readCart, setQuantity, type CartLine } from '../cart';
import { h, replace } from '../dom';
import { formatPerInterval, formatWon } from '../format';
import { navigate } from '../router';
import { alertSlot, errorMessage, pageHeading, statusRegion } from './common';

export async function shopPage(root: HTMLElement): Promise<void> {
  pageHeading(root, '상점');
  const status = statusRegion();
  const alert = alertSlot();
  const list = h('div', { className: 'product-grid' });
  // Drawn with the products, not before them: on a narrow screen the cart sits under the list, and drawn first it
  // would be pushed down the page when the list arrives (Lighthouse's layout shift).
  const cart = h('section', { 'aria-label': '장바구니', className: 'cart', hidden: true });
  root.append(status, alert.el, h('div', { className: 'shop-layout' }, list, cart));

  const stockById = new Map<string, number>();
  const renderCart = (lines: CartLine[]) => {
    const groups = groupBySeller(lines);
    cart.hidden = false;
    replace(
      cart,
      h('h2', null, '장바구니'),
      lines.length === 0
        ? h('p', null, '장바구니가 비어 있습니다.')
        : groups.map((group) =>
            h(
              'div',
              { className: 'cart-group' },
              h('h3', null, group.sellerName),
              h(
                'ul',
                null,
                group.lines.map((line) =>
                  h(
                    'li',
                    { className: 'cart-line' },
                    h('span', { className: 'cart-name' }, line.name),
                    h(
                      'label',
                      { className: 'qty' },
                      h('span', { className: 'visually-hidden' }, `수량: ${line.name}`),
                      h('input', {
                        type: 'number',
                        min: '1',
                        max: String(stockById.get(line.productId) ?? 99),
                        value: String(line.quantity),
                        inputmode: 'numeric',
                        onchange: (event: Event) => {
                          const value = Math.max(1, Math.floor(Number((event.target as HTMLInputElement).value) || 1));
                          renderCart(setQuantity(line.productId, value));
                        },
                      }),
                    ),
                    h('span', { className: 'amount' }, formatWon(line.unitPrice * line.quantity)),
                    h(
                      'button',
                      {
                        type: 'button',
                        className: 'link-button',
                        'aria-label': `삭제: ${line.name}`,
                        onclick: () => {
                          renderCart(setQuantity(line.productId, 0));
                          status.textContent = `${line.name}을(를) 장바구니에서 뺐습니다.`;
                        },
                      },
                      '삭제',
                    ),
                  ),
                ),
              ),
            ),
          ),
      lines.length > 0 &&
        h(
          'p',
          { className: 'estimate' },
          '예상 금액 ',
          h('strong', null, formatWon(estimate(lines))),
          h('br'),
          h('small', null, '실제 결제 금액은 주문을 만들 때 서버가 확정합니다.'),
        ),
      h(
        'button',
        { type: 'button', className: 'primary', disabled: lines.length === 0, onclick: () => navigate('/checkout/') },
        '주문하기',
      ),
    );
  };

  let products: Product[];
  try {
    status.textContent = '상품을 불러오는 중입니다…';
    products = await fetchProducts();
    status.textContent = '';
  } catch (error) {
    status.textContent = '';
    alert.show(errorMessage(error));
    renderCart(readCart());
    return;
  }
  for (const p of products) stockById.set(p.id, p.stock);
  const visible = products.filter((p) => p.isActive);
  renderCart(readCart());
  replace(
    list,
    visible.length === 0 && h('p', null, '판매 중인 상품이 없습니다.'),
    visible.map((product) => {
      const headingId = `product-${product.id}`;
      return h(
        'article',
        { className: 'product', 'aria-labelledby': headingId },
        h('h2', { id: headingId }, product.name),
        h('p', { className: 'seller' }, product.seller.name),
        h('p', { className: 'price' }, formatWon(product.price)),
        product.isTaxFree && h('p', null, h('span', { className: 'badge tax-free' }, '면세 상품')),
        product.adultOnly && h('p', null, h('span', { className: 'badge adult-only', title: '성인 인증 후 구매' }, '19세 이상')),
        h('p', { className: 'stock' }, product.stock > 0 ? `재고 ${product.stock}개` : '품절'),
        product.subscriptionInterval && [
          h('p', null, h('span', { className: 'badge subscription' }, `정기구독 ${formatPerInterval(product.price, product.subscriptionInterval)}`)),
          h(
            'p',
            null,
            h(
              'a',
              {
                href: `/subscribe/?product=${encodeURIComponent(product.id)}`,
                className: 'button',
                'aria-label': `구독하기: ${product.name}`,
              },
              '구독하기',
            ),
          ),
        ],
        h(
          'button',
          {
            type: 'button',
            'aria-label': `장바구니 담기: ${product.name}`,
            disabled: product.stock < 1,
            onclick: () => {
              renderCart(
                addToCart(
                  {
                    productId: product.id,
                    name: product.name,
                    unitPrice: product.price,
                    sellerId: product.seller.id,
                    sellerName: product.seller.name,
                  },
                  product.stock,
                ),
              );
              status.textContent = `${product.name}을(를) 장바구니에 담았습니다.`;
            },
          },
          '장바구니 담기',
        ),
      );
    }),
  );
}

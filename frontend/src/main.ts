import './styles.css';
import { logout } from './api/backend';
import { h, replace } from './dom';
import { checkoutPage, checkoutReturnPage } from './pages/checkout';
import { loginPage } from './pages/login';
import { notificationSettingsPage } from './pages/notificationSettings';
import { ordersPage } from './pages/orders';
import { sellerPage } from './pages/seller';
import { shopPage } from './pages/shop';
import { subscribePage } from './pages/subscribe';
import { subscriptionsPage } from './pages/subscriptions';
import { isSubscriptionPath, navigate, startRouter, type Page } from './router';
import { getMe, onSessionChange, setMe } from './session';
import type { Me } from './api/backend';

const ROUTES: Record<string, Page> = {
  '/': shopPage,
  '/login/': loginPage,
  '/checkout/': checkoutPage,
  '/checkout/return': checkoutReturnPage,
  '/checkout/return/': checkoutReturnPage,
  '/orders/': ordersPage,
  '/seller/': sellerPage,
  '/subscribe/': subscribePage,
  '/subscriptions/': subscriptionsPage,
  '/settings/notifications': notificationSettingsPage,
  '/settings/notifications/': notificationSettingsPage,
};

/** Exact paths first; then `/subscriptions/<subscription_id>` (the notices' link), 내 구독 with it highlighted. */
const pageFor = (path: string): Page | undefined =>
  ROUTES[path] ?? (isSubscriptionPath(path) ? subscriptionsPage : undefined);

const app = document.getElementById('app') ?? document.body;
const nav = h('nav', { 'aria-label': '주요 메뉴' });
const main = h('main', { id: 'main' });
replace(app, h('a', { href: '#main', className: 'skip-link' }, '본문으로 건너뛰기'), h('header', { className: 'site-header' }, h('a', { href: '/', className: 'brand' }, '마켓'), nav), main);

function renderNav(me: Me | null, path: string): void {
  const link = (href: string, text: string) =>
    h('a', { href, 'aria-current': path === href ? 'page' : undefined }, text);
  const signOut = h('button', { type: 'button', className: 'link-button' }, '로그아웃');
  signOut.addEventListener('click', async () => {
    try {
      await logout();
    } finally {
      setMe(null);
      navigate('/');
    }
  });
  replace(
    nav,
    h(
      'ul',
      null,
      h('li', null, link('/', '상점')),
      h('li', null, link('/orders/', '내 주문')),
      h('li', null, link('/subscriptions/', '내 구독')),
      me?.isSeller && h('li', null, link('/seller/', '판매자')),
      me && h('li', null, link('/settings/notifications', '알림 설정')),
      h('li', null, me ? signOut : link('/login/', '로그인')),
    ),
  );
}

let cleanup: (() => void) | void = undefined;
let generation = 0;

async function route(url: URL): Promise<void> {
  const mine = ++generation;
  if (typeof cleanup === 'function') cleanup();
  cleanup = undefined;
  main.replaceChildren();
  void getMe().then((me) => renderNav(me, url.pathname));
  const page = pageFor(url.pathname);
  if (!page) {
    replace(main, h('h1', null, '페이지를 찾을 수 없습니다'), h('p', null, h('a', { href: '/' }, '상점으로 가기')));
    return;
  }
  const result = await page(main, url);
  if (mine === generation) cleanup = result;
  else if (typeof result === 'function') result(); // a newer navigation already replaced this page
}

onSessionChange((me) => renderNav(me, window.location.pathname));
startRouter((url) => void route(url));

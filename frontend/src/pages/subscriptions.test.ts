/** 내 구독: a trial's end and first charge, and a seller's price increase awaiting the buyer's 동의. */
import { beforeEach, describe, expect, it, vi } from 'vitest';

const api = vi.hoisted(() => ({
  fetchMe: vi.fn(),
  fetchMySubscriptions: vi.fn(),
  cancelSubscription: vi.fn(),
  consentToPriceChange: vi.fn(),
}));
vi.mock('../api/backend', () => api);

import { setMe } from '../session';
import { subscriptionsPage } from './subscriptions';

const PENDING = {
  priceChangeId: 'pc_1',
  price: 10000,
  newPrice: 12000,
  effectiveAt: '2027-02-01T00:00:00+00:00',
  consentOpensAt: '2026-01-01T00:00:00+00:00',
  consentDeadline: '2027-01-31T00:00:00+00:00',
  onNoConsent: 'cancel_at_period_end',
  consentedAt: null as string | null,
};

function subscription(overrides: Record<string, unknown> = {}) {
  return {
    subscriptionId: 'sub_1',
    status: 'active',
    interval: 'month',
    price: 10000,
    currentPeriod: 1,
    nextChargeAt: '2027-01-15T00:00:00+00:00',
    trialEndsAt: null as string | null,
    createdAt: '2026-12-01T00:00:00+00:00',
    cancelledAt: null,
    pendingPriceChange: null as typeof PENDING | null,
    billingKeyId: 'bk_1',
    cardCompany: '국민',
    cardNumberMasked: '5123-****-****-1234',
    product: { id: 'UHJvZHVjdDox', name: '원두 정기배송' },
    charges: [],
    ...overrides,
  };
}

async function render(...rows: ReturnType<typeof subscription>[]) {
  setMe({ username: 'buyer', isStaff: false, isSeller: false });
  api.fetchMySubscriptions.mockResolvedValue(rows);
  const root = document.createElement('div');
  document.body.replaceChildren(root);
  await subscriptionsPage(root, new URL('http://localhost/subscriptions/'));
  const button = (text: string) => [...root.querySelectorAll('button')].find((b) => b.textContent === text);
  return { root, button };
}

beforeEach(() => {
  for (const fn of Object.values(api)) fn.mockReset();
});

describe('내 구독', () => {
  it('shows when a free trial ends and that the next charge is its first', async () => {
    const { root } = await render(
      subscription({ currentPeriod: 0, trialEndsAt: '2026-12-20T00:00:00+00:00', nextChargeAt: '2026-12-20T00:00:00+00:00' }),
    );
    const terms = [...root.querySelectorAll('dt')].map((dt) => dt.textContent);
    expect(terms).toContain('무료 체험 종료');
    expect(terms).toContain('첫 결제 예정');
    expect(terms).not.toContain('다음 결제');
  });

  it('shows a pending price change with its deadline and what happens without consent', async () => {
    const { root, button } = await render(subscription({ pendingPriceChange: PENDING }));
    const notice = root.querySelector('section.price-change')!;
    expect(notice.textContent).toContain('12,000원');
    expect(notice.textContent).toContain('동의 마감');
    expect(notice.querySelector('.without-consent')!.textContent).toContain('구독이 해지');
    expect(button('동의')).toBeDefined();
  });

  it('동의 calls the consent mutation and then shows it consented', async () => {
    const consented = { ...PENDING, consentedAt: '2027-01-10T00:00:00+00:00' };
    api.consentToPriceChange.mockResolvedValue(subscription({ pendingPriceChange: consented }));
    const { root, button } = await render(subscription({ pendingPriceChange: PENDING }));
    api.fetchMySubscriptions.mockResolvedValue([subscription({ pendingPriceChange: consented })]);

    button('동의')!.click();

    await vi.waitFor(() => expect(root.querySelector('.consented')).not.toBeNull());
    expect(api.consentToPriceChange).toHaveBeenCalledWith('sub_1');
    expect(root.querySelector('.consented')!.textContent).toContain('동의했습니다');
    expect(button('동의')).toBeUndefined();
  });

  it('says when consent opens and keeps the price without consent when the seller chose so', async () => {
    const later = { ...PENDING, consentOpensAt: '2999-01-01T00:00:00+00:00', onNoConsent: 'keep_price' };
    const { root, button } = await render(subscription({ pendingPriceChange: later }));
    expect(button('동의')).toBeUndefined();
    expect(root.querySelector('section.price-change')!.textContent).toContain('부터 할 수 있습니다');
    expect(root.querySelector('.without-consent')!.textContent).toContain('그대로 유지');
  });
});

describe('/subscriptions/<id>', () => {
  it('reads the id from the path', async () => {
    const { selectedSubscriptionId } = await import('./subscriptions');
    expect(selectedSubscriptionId('/subscriptions/')).toBeNull();
    expect(selectedSubscriptionId('/subscriptions/sub_2')).toBe('sub_2');
    expect(selectedSubscriptionId('/subscriptions/sub_2/')).toBe('sub_2');
    expect(selectedSubscriptionId('/subscriptions/a/b')).toBeNull();
  });

  it('marks and focuses that subscription', async () => {
    setMe({ username: 'buyer', isStaff: false, isSeller: false });
    api.fetchMySubscriptions.mockResolvedValue([subscription(), subscription({ subscriptionId: 'sub_2' })]);
    const root = document.createElement('div');
    document.body.replaceChildren(root);
    await subscriptionsPage(root, new URL('http://localhost/subscriptions/sub_2'));
    const current = root.querySelectorAll('article[aria-current="true"]');
    expect(current).toHaveLength(1);
    expect(current[0].textContent).toContain('sub_2');
    expect(document.activeElement).toBe(current[0]);
  });

  it('says so when the subscription is not among the buyer’s', async () => {
    setMe({ username: 'buyer', isStaff: false, isSeller: false });
    api.fetchMySubscriptions.mockResolvedValue([subscription()]);
    const root = document.createElement('div');
    document.body.replaceChildren(root);
    await subscriptionsPage(root, new URL('http://localhost/subscriptions/sub_9'));
    expect(root.querySelector('article[aria-current]')).toBeNull();
    expect(root.textContent).toContain('sub_9을(를) 찾을 수 없습니다');
  });
});

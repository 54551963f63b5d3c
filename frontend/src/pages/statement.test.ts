import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import { fetchSellerStatement, type SellerStatementReport } from '../statement/api';
import { statementSection } from './statement';

vi.mock('../statement/api', () => ({ fetchSellerStatement: vi.fn() }));
const fetchMock = vi.mocked(fetchSellerStatement);

const money = (total: number, count = 0) => ({ total, taxable: total, taxFree: 0, count });
const report: SellerStatementReport = {
  from: '2026-12-01',
  to: '2026-12-15',
  sellers: [
    {
      sellerId: 'U2VsbGVyOjE=',
      sellerName: '커피농장',
      gross: money(30000, 3),
      refunds: money(10000, 1),
      net: { total: 20000, taxable: 20000, taxFree: 0 },
      days: [
        { date: '2026-12-02', gross: { total: 30000, count: 3 }, refunds: { total: 0, count: 0 }, net: { total: 30000 } },
        { date: '2026-12-05', gross: { total: 0, count: 0 }, refunds: { total: 10000, count: 1 }, net: { total: -10000 } },
      ],
    },
  ],
};

afterEach(() => document.body.replaceChildren());

describe('정산 내역', () => {
  it('loads this month, shows totals and days, and links the same period as CSV', async () => {
    fetchMock.mockResolvedValue(report);
    const root = document.body.appendChild(document.createElement('main'));

    await statementSection(root, new Date('2026-12-15T03:00:00Z'));

    expect(fetchMock).toHaveBeenCalledWith({ from: '2026-12-01', to: '2026-12-15' });
    expect(root.querySelector('.statement-totals')?.textContent).toContain('20,000원');
    const rows = [...root.querySelectorAll('.statement-days tbody tr')].map((row) => row.textContent);
    expect(rows).toEqual(['2026-12-023건30,000원0건0원30,000원', '2026-12-050건0원1건10,000원-10,000원']);
    const link = root.querySelector<HTMLAnchorElement>('a[download]');
    expect(link?.getAttribute('href')).toBe('/api/v1/statements/?from=2026-12-01&to=2026-12-15&format=csv&headers=ko');
    expect(link?.hidden).toBe(false);
  });

  it('asks again for the chosen period and shows why the server refused it', async () => {
    fetchMock.mockResolvedValueOnce(report);
    const root = document.body.appendChild(document.createElement('main'));
    await statementSection(root, new Date('2026-12-15T03:00:00Z'));
    fetchMock.mockRejectedValueOnce(
      new ApiError('validation_error', '요청이 올바르지 않습니다.', { fields: { to: ['366일을 넘을 수 없습니다.'] } }),
    );
    root.querySelector<HTMLInputElement>('#statement-from')!.value = '2025-01-01';
    root.querySelector<HTMLInputElement>('#statement-to')!.value = '2026-12-15';

    root.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await vi.waitFor(() => expect(root.querySelector('[role="alert"]')).not.toBeNull());

    expect(fetchMock).toHaveBeenLastCalledWith({ from: '2025-01-01', to: '2026-12-15' });
    expect(root.querySelector('[role="alert"]')?.textContent).toBe('종료일: 366일을 넘을 수 없습니다.');
    expect(root.querySelector('.statement-days')).toBeNull();
    expect(root.querySelector<HTMLAnchorElement>('a[download]')?.hidden).toBe(true); // no download of an error
  });
});

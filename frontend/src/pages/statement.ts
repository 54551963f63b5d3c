/** The seller page's 정산 내역: a period, the seller's totals and days, and the CSV download of the same. */
import { h, replace } from '../dom';
import { formatWon } from '../format';
import { fetchSellerStatement, type SellerStatementRow } from '../statement/api';
import { defaultPeriod, type Period, periodProblems, statementCsvUrl } from '../statement/period';
import { alertSlot, errorMessage, statusRegion } from './common';

export async function statementSection(root: HTMLElement, now: Date = new Date()): Promise<void> {
  const initial = defaultPeriod(now);
  const from = h('input', { id: 'statement-from', name: 'from', type: 'date', required: true, value: initial.from });
  const to = h('input', { id: 'statement-to', name: 'to', type: 'date', required: true, value: initial.to });
  const submit = h('button', { type: 'submit' }, '조회');
  // Shown once the period's statement loaded: a refused period would download an error.
  const download = h('a', { className: 'button', download: '', hidden: true }, 'CSV 다운로드');
  const status = statusRegion();
  const alert = alertSlot();
  const result = h('div', { className: 'statement-result' });
  const form = h(
    'form',
    { className: 'statement-period row-actions', 'aria-label': '정산 기간' },
    h('span', { className: 'field inline' }, h('label', { for: from.id }, '시작일'), from),
    h('span', { className: 'field inline' }, h('label', { for: to.id }, '종료일'), to),
    submit,
    download,
  );
  root.append(
    h(
      'section',
      { className: 'card statement', 'aria-labelledby': 'statement-heading' },
      h('h2', { id: 'statement-heading' }, '정산 내역'),
      h('p', { className: 'order-meta' }, '날짜는 한국 시간 기준이며, 판매는 결제일에, 환불은 환불 완료일에 집계됩니다.'),
      form,
      status,
      alert.el,
      result,
    ),
  );

  const load = async (period: Period) => {
    download.hidden = true;
    submit.disabled = true;
    alert.show(null);
    status.textContent = '정산 내역을 불러오는 중입니다…';
    try {
      const report = await fetchSellerStatement(period);
      replace(result, report.sellers.map(sellerStatementView));
      download.href = statementCsvUrl(period);
      download.hidden = false;
      status.textContent = `${report.from} ~ ${report.to} 정산 내역입니다.`;
    } catch (error) {
      result.replaceChildren();
      status.textContent = '';
      const problems = periodProblems(error);
      alert.show(problems.length > 0 ? problems.join(' ') : errorMessage(error));
    } finally {
      submit.disabled = false;
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void load({ from: from.value, to: to.value });
  });
  await load(initial);
}

function sellerStatementView(seller: SellerStatementRow): HTMLElement {
  const totals = h(
    'dl',
    { className: 'facts statement-totals' },
    h('dt', null, `매출 (${seller.gross.count}건)`),
    h('dd', null, formatWon(seller.gross.total)),
    h('dt', null, `환불 (${seller.refunds.count}건)`),
    h('dd', null, formatWon(seller.refunds.total)),
    h('dt', null, '순매출'),
    h('dd', { className: 'total' }, formatWon(seller.net.total)),
    seller.net.taxFree !== 0 && [
      h('dt', null, '순매출 중 면세'),
      h('dd', null, formatWon(seller.net.taxFree)),
    ],
  );
  const days =
    seller.days.length === 0
      ? h('p', null, '이 기간에는 판매나 환불이 없습니다.')
      : h(
          'table',
          { className: 'lines-table statement-days' },
          h('caption', { className: 'visually-hidden' }, `${seller.sellerName} 일자별 정산`),
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['일자', '판매 건수', '매출', '환불 건수', '환불', '순매출'].map((t) => h('th', { scope: 'col' }, t)),
            ),
          ),
          h(
            'tbody',
            null,
            seller.days.map((day) =>
              h(
                'tr',
                null,
                h('th', { scope: 'row' }, day.date),
                h('td', null, `${day.gross.count}건`),
                h('td', null, formatWon(day.gross.total)),
                h('td', null, `${day.refunds.count}건`),
                h('td', null, formatWon(day.refunds.total)),
                h('td', null, formatWon(day.net.total)),
              ),
            ),
          ),
        );
  return h('div', { className: 'statement-seller' }, h('h3', null, seller.sellerName), totals, days);
}

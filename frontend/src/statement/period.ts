/** The seller statement's period and download link. The period's rules (order, length) are the server's:
 * a refused period comes back as `validation_error` naming `from` / `to`, shown by `periodProblems`. */
import { ApiError } from '../api/client';

export interface Period {
  from: string; // YYYY-MM-DD, a day in Asia/Seoul
  to: string;
}

/** The statement's days are Asia/Seoul dates, whatever the browser's time zone. */
export const STATEMENT_TIME_ZONE = 'Asia/Seoul';

const isoDay = new Intl.DateTimeFormat('en-CA', {
  timeZone: STATEMENT_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** seoulDate(new Date('2026-11-30T15:30:00Z')) === '2026-12-01' */
export const seoulDate = (instant: Date): string => isoDay.format(instant);

/** This month so far, in Seoul: its first day to today. */
export function defaultPeriod(now: Date): Period {
  const today = seoulDate(now);
  return { from: `${today.slice(0, 8)}01`, to: today };
}

/** The CSV download of the statement (same session; Korean column names for Excel). */
export function statementCsvUrl(period: Period, headers: 'ko' | 'en' = 'ko'): string {
  const query = new URLSearchParams({ from: period.from, to: period.to, format: 'csv', headers });
  return `/api/v1/statements/?${query.toString()}`;
}

const FIELD_LABELS: Record<string, string> = { from: '시작일', to: '종료일' };

/** The server's reasons for refusing a period, per field ("종료일: …"); empty when it named none. */
export function periodProblems(error: unknown): string[] {
  if (!(error instanceof ApiError) || error.code !== 'validation_error') return [];
  const fields = (error.details as { fields?: Record<string, unknown> } | null)?.fields ?? {};
  return Object.entries(fields).map(([field, messages]) => {
    const text = Array.isArray(messages) ? messages.join(' ') : String(messages);
    return `${FIELD_LABELS[field] ?? field}: ${text}`;
  });
}

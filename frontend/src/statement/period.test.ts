import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import { defaultPeriod, periodProblems, seoulDate, statementCsvUrl } from './period';

describe('statement period', () => {
  it('counts days in Seoul, not in the browser’s time zone', () => {
    expect(seoulDate(new Date('2026-11-30T14:59:59Z'))).toBe('2026-11-30');
    expect(seoulDate(new Date('2026-11-30T15:00:00Z'))).toBe('2026-12-01');
  });

  it('defaults to this month so far', () => {
    expect(defaultPeriod(new Date('2026-12-15T03:00:00Z'))).toEqual({ from: '2026-12-01', to: '2026-12-15' });
    // 00:30 on the 1st in Seoul is still the last day of the previous month in UTC
    expect(defaultPeriod(new Date('2026-11-30T15:30:00Z'))).toEqual({ from: '2026-12-01', to: '2026-12-01' });
  });

  it('links the CSV download of the period', () => {
    const url = new URL(statementCsvUrl({ from: '2026-11-01', to: '2026-11-30' }), 'https://shop.example');
    expect(url.pathname).toBe('/api/v1/statements/');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      from: '2026-11-01',
      to: '2026-11-30',
      format: 'csv',
      headers: 'ko',
    });
    expect(statementCsvUrl({ from: '2026-11-01', to: '2026-11-30' }, 'en')).toContain('headers=en');
  });

  it('shows the server’s reasons per field', () => {
    const refused = new ApiError('validation_error', '요청이 올바르지 않습니다.', {
      fields: { to: ['시작일보다 앞설 수 없습니다.'], from: ['날짜 형식이 아닙니다.'] },
    });
    expect(periodProblems(refused)).toEqual(['종료일: 시작일보다 앞설 수 없습니다.', '시작일: 날짜 형식이 아닙니다.']);
    expect(periodProblems(new ApiError('permission_denied', 'no'))).toEqual([]);
    expect(periodProblems(new Error('boom'))).toEqual([]);
  });
});

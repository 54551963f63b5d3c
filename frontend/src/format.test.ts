import { describe, expect, it } from 'vitest';
import { formatWon, orderStatusText } from './format';

describe('formatWon', () => {
  it('formats won the Korean way', () => {
    expect(formatWon(43000)).toBe('43,000원');
    expect(formatWon(18000)).toBe('18,000원');
    expect(formatWon(0)).toBe('0원');
    expect(formatWon(1234567)).toBe('1,234,567원');
  });
  it('maps order statuses to Korean', () => {
    expect(orderStatusText('pending_payment')).toBe('결제 대기');
    expect(orderStatusText('partially_refunded')).toBe('부분 환불');
  });
});

import { describe, expect, it } from 'vitest';
import { chargeStatusText, formatPerInterval, formatWon, orderStatusText, subscriptionStatusText } from './format';

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

describe('subscriptions', () => {
  it('says the price per interval and the statuses in Korean', () => {
    expect(formatPerInterval(9900, 'month')).toBe('매월 9,900원');
    expect(formatPerInterval(5500, 'week')).toBe('매주 5,500원');
    expect(formatPerInterval(99000, 'year')).toBe('매년 99,000원');
    expect(subscriptionStatusText('past_due')).toBe('결제 지연');
    expect(subscriptionStatusText('cancelled')).toBe('해지됨');
    expect(chargeStatusText('paid')).toBe('결제 완료');
  });
});

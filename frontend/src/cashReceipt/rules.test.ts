import { describe, expect, it } from 'vitest';
import {
  businessNumberCheckDigit,
  cashReceiptStatusText,
  cashReceiptTypeText,
  checkIdentifier,
  IDENTIFIER_MESSAGES,
  identifierKind,
  isBusinessNumber,
  isCardNumber,
  isCashLikeMethod,
  isPhoneNumber,
  maskIdentifier,
  normaliseIdentifier,
} from './rules';

describe('사업자등록번호 check digit (weights 1,3,7,1,3,7,1,3,5 + ⌊d9·5/10⌋)', () => {
  // Published registration numbers of well-known companies (printed on their sites' footers).
  it.each([
    ['1248100998', 'Samsung Electronics 124-81-00998'],
    ['2208162517', 'NAVER 220-81-62517'],
    ['1208147521', 'Kakao 120-81-47521'],
  ])('accepts %s (%s)', (digits) => {
    expect(isBusinessNumber(digits)).toBe(true);
  });

  it('works the Samsung example by hand: 1+6+28+8+3+0+0+27+45 = 118, + ⌊45/10⌋ = 122 → check 8', () => {
    expect(businessNumberCheckDigit('124810099')).toBe(8);
  });

  it('uses the tens of the ninth product: 220-81-62517 has d9 = 1 (5 → +0), 120-81-47521 has d9 = 2 (10 → +1)', () => {
    expect(businessNumberCheckDigit('220816251')).toBe(7);
    expect(businessNumberCheckDigit('120814752')).toBe(1);
  });

  it.each(['1248100997', '1248100999', '2208162516', '1208147520', '1234567890', '0000000001'])(
    'refuses %s (wrong check digit)',
    (digits) => {
      expect(isBusinessNumber(digits)).toBe(false);
    },
  );

  it('a check digit of 0 comes from a sum ending in 0 ((10 − 0) mod 10)', () => {
    expect(businessNumberCheckDigit('000000000')).toBe(0);
    expect(isBusinessNumber('0000000000')).toBe(true);
  });

  it('refuses other lengths and non-digits', () => {
    expect(isBusinessNumber('124810099')).toBe(false);
    expect(isBusinessNumber('12481009988')).toBe(false);
    expect(isBusinessNumber('124-81-00998')).toBe(false); // callers normalise first
    expect(() => businessNumberCheckDigit('12481009')).toThrow();
  });
});

describe('phone and card numbers (소득공제)', () => {
  it.each(['01012345678', '0101234567', '01112345678', '0161234567', '01712345678', '01812345678', '01912345678', '0100001234'])(
    'a phone number %s',
    (digits) => expect(isPhoneNumber(digits)).toBe(true),
  );

  it.each(['01212345678', '01312345678', '01512345678', '0201234567', '010123456', '010123456789', '11012345678'])(
    'not a phone number: %s',
    (digits) => expect(isPhoneNumber(digits)).toBe(false),
  );

  it.each(['1234567890123', '1234567890123456', '1234567890123456789'])('a card number: %s (13–19 digits)', (digits) =>
    expect(isCardNumber(digits)).toBe(true),
  );

  it.each(['123456789012', '12345678901234567890', '1234-5678-9012-3456'])('not a card number: %s', (digits) =>
    expect(isCardNumber(digits)).toBe(false),
  );
});

describe('checkIdentifier', () => {
  it('drops hyphens, spaces and dots people type', () => {
    expect(normaliseIdentifier(' 010-1234 5678 ')).toBe('01012345678');
    expect(checkIdentifier('income_deduction', '010-1234-5678')).toEqual({ ok: true, identifier: '01012345678' });
    expect(checkIdentifier('expense_proof', '124-81-00998')).toEqual({ ok: true, identifier: '1248100998' });
    expect(checkIdentifier('income_deduction', '1234 5678 9012 3456')).toEqual({ ok: true, identifier: '1234567890123456' });
  });

  it('신청 안 함 needs no identifier and sends none', () => {
    expect(checkIdentifier('none', '')).toEqual({ ok: true, identifier: '' });
    expect(checkIdentifier('none', 'anything')).toEqual({ ok: true, identifier: '' });
  });

  it('asks for the identifier the type needs', () => {
    expect(checkIdentifier('income_deduction', '  ')).toEqual({ ok: false, message: IDENTIFIER_MESSAGES.required.income_deduction });
    expect(checkIdentifier('expense_proof', '')).toEqual({ ok: false, message: IDENTIFIER_MESSAGES.required.expense_proof });
  });

  it('refuses letters', () => {
    expect(checkIdentifier('income_deduction', '010-1234-abcd')).toEqual({ ok: false, message: IDENTIFIER_MESSAGES.notDigits });
  });

  it('소득공제 takes a phone or a card number, not a business number', () => {
    expect(checkIdentifier('income_deduction', '1248100998')).toEqual({ ok: false, message: IDENTIFIER_MESSAGES.incomeDeduction });
    expect(checkIdentifier('income_deduction', '02-123-4567')).toEqual({ ok: false, message: IDENTIFIER_MESSAGES.incomeDeduction });
  });

  it('지출증빙 takes a business registration number with a valid check digit (or, as the server, a phone or card)', () => {
    expect(checkIdentifier('expense_proof', '124-81-00997')).toEqual({ ok: false, message: IDENTIFIER_MESSAGES.businessCheckDigit });
    expect(checkIdentifier('expense_proof', '12345')).toEqual({ ok: false, message: IDENTIFIER_MESSAGES.businessLength });
    expect(checkIdentifier('expense_proof', '010-1234-5678')).toEqual({ ok: true, identifier: '01012345678' });
    expect(checkIdentifier('expense_proof', '1234567890123')).toEqual({ ok: true, identifier: '1234567890123' });
  });

  it('a phone wins over a business number of the same length (the server\'s order)', () => {
    expect(identifierKind('0101234567')).toBe('phone');
    expect(identifierKind('1248100998')).toBe('business');
    expect(identifierKind('1234567890123')).toBe('card');
    expect(identifierKind('1234567890')).toBeNull();
  });

  it('refuses more than 25 digits, as the server does', () => {
    expect(checkIdentifier('income_deduction', '1'.repeat(26))).toEqual({ ok: false, message: IDENTIFIER_MESSAGES.notDigits });
  });
});

describe('texts', () => {
  it('types and statuses in Korean; unknown values as they are', () => {
    expect(cashReceiptTypeText('income_deduction')).toBe('소득공제');
    expect(cashReceiptTypeText('expense_proof')).toBe('지출증빙');
    expect(cashReceiptTypeText('other')).toBe('other');
    expect(cashReceiptStatusText('pending')).toBe('발급 대기');
    expect(cashReceiptStatusText('issued')).toBe('발급 완료');
    expect(cashReceiptStatusText('failed')).toBe('발급 실패');
    expect(cashReceiptStatusText('cancelled')).toBe('발급 취소');
    expect(cashReceiptStatusText('not_applicable')).toContain('해당 없음');
    expect(cashReceiptStatusText('mystery')).toBe('mystery');
  });

  it('masks as the server does (identifier_mask)', () => {
    expect(maskIdentifier('01012345678')).toBe('010-****-5678');
    expect(maskIdentifier('0101234567')).toBe('010-***-4567');
    expect(maskIdentifier('1248100998')).toBe('124-81-*****');
    expect(maskIdentifier('1234567890123456')).toBe('1234-****-****-3456');
    expect(maskIdentifier('1234')).toBe('****');
  });

  it('cash-like methods are 가상계좌 and 계좌이체', () => {
    expect(isCashLikeMethod('vbank')).toBe(true);
    expect(isCashLikeMethod('bank')).toBe(true);
    expect(isCashLikeMethod('card')).toBe(false);
    expect(isCashLikeMethod(null)).toBe(false);
  });
});

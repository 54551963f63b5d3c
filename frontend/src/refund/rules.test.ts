/** The refund account check, driven by the server's banks and rule (never a list of its own). */
import { describe, expect, it } from 'vitest';
import { accountNumberDigits, checkRefundAccount, refundConfirmText, refundFieldOf, type RefundAccountRules } from './rules';

const RULES: RefundAccountRules = {
  banks: [
    { code: '004', name: 'KB국민은행' },
    { code: '088', name: '신한은행' },
  ],
  rule: { minDigits: 10, maxDigits: 16, holderMaxLength: 5 },
};
const GOOD = { bankCode: '088', bankAccount: '110-123-456789', bankUsername: ' 홍길동 ' };

describe('checkRefundAccount', () => {
  it('accepts a listed bank and sends the digits and the trimmed name', () => {
    expect(checkRefundAccount(GOOD, RULES)).toEqual({
      ok: true,
      account: { bankCode: '088', bankAccount: '110123456789', bankUsername: '홍길동' },
    });
  });

  it.each([
    ['', '환불받을 은행을 선택해 주세요.'],
    ['020', '환불받을 은행을 선택해 주세요.'], // a real bank, but not in the server's list
  ])('refuses bank %j', (bankCode, message) => {
    expect(checkRefundAccount({ ...GOOD, bankCode }, RULES)).toEqual({ ok: false, problems: { bankCode: message } });
  });

  it.each(['123456789', '12345678901234567', '110-123-45678O', '١٢٣٤٥٦٧٨٩٠١', '110.123.456789'])(
    'refuses account number %j by the server rule',
    (bankAccount) => {
      expect(checkRefundAccount({ ...GOOD, bankAccount }, RULES)).toEqual({
        ok: false,
        problems: { bankAccount: '계좌번호는 숫자 10~16자리로 입력해 주세요.' },
      });
    },
  );

  it('takes the limits from the rule it is given', () => {
    const wider = { ...RULES, rule: { ...RULES.rule, minDigits: 6 } };
    expect(checkRefundAccount({ ...GOOD, bankAccount: '123-456' }, wider).ok).toBe(true);
    expect(checkRefundAccount({ ...GOOD, bankUsername: '가나다라마바' }, RULES)).toEqual({
      ok: false,
      problems: { bankUsername: '예금주 이름은 5자까지 입력할 수 있습니다.' },
    });
  });

  it('names every missing field at once', () => {
    const checked = checkRefundAccount({ bankCode: '', bankAccount: ' - ', bankUsername: '  ' }, RULES);
    expect(checked.ok).toBe(false);
    expect(Object.keys(checked.ok ? {} : checked.problems)).toEqual(['bankCode', 'bankAccount', 'bankUsername']);
  });
});

describe('helpers', () => {
  it('drops hyphens and spaces only', () => {
    expect(accountNumberDigits(' 110-123 456789 ')).toBe('110123456789');
    expect(accountNumberDigits('110.123')).toBe('110.123');
  });

  it('maps the server field names to the form fields', () => {
    expect(refundFieldOf('refund.bank_code')).toBe('bankCode');
    expect(refundFieldOf('refund.bank_account')).toBe('bankAccount');
    expect(refundFieldOf('refund.bank_username')).toBe('bankUsername');
    expect(refundFieldOf('reason')).toBeNull();
  });

  it('asks about what goes back, with the amount', () => {
    expect(refundConfirmText(['무선 키보드'], 18000)).toBe(
      '무선 키보드 (18,000원)을(를) 환불하시겠습니까? 환불을 요청하면 되돌릴 수 없습니다.',
    );
    expect(refundConfirmText(['무선 키보드', '제주 녹차'], 43000)).toContain('무선 키보드 외 1개 상품 (43,000원)');
  });
});

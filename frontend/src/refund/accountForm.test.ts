/** 환불 받을 계좌: the bank picker from the server's list, accessible errors, the server's field refusals. */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import { refundAccountForm } from './accountForm';
import type { RefundAccountRules } from './rules';

const RULES: RefundAccountRules = {
  banks: [
    { code: '004', name: 'KB국민은행' },
    { code: '088', name: '신한은행' },
  ],
  rule: { minDigits: 10, maxDigits: 16, holderMaxLength: 50 },
};

function mount() {
  const form = refundAccountForm('ord_1', RULES);
  document.body.replaceChildren(form.el);
  const control = (label: string) => {
    const el = [...form.el.querySelectorAll('label')].find((l) => l.textContent === label)!;
    return document.getElementById(el.htmlFor) as HTMLInputElement & HTMLSelectElement;
  };
  const describedBy = (el: HTMLElement) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' ');
  return { form, bank: control('환불 은행'), number: control('환불 계좌번호'), holder: control('예금주'), describedBy };
}

describe('refundAccountForm', () => {
  it('is a group of a bank picker (the server banks, in order), the account number and the holder', () => {
    const { form, bank, number, holder } = mount();
    expect(form.el.tagName).toBe('FIELDSET');
    expect(form.el.querySelector('legend')?.textContent).toBe('환불 받을 계좌');
    expect(bank.tagName).toBe('SELECT');
    expect([...bank.options].map((o) => [o.value, o.textContent])).toEqual([
      ['', '은행 선택'],
      ['004', 'KB국민은행'],
      ['088', '신한은행'],
    ]);
    expect(number.getAttribute('inputmode')).toBe('numeric');
    expect(holder.maxLength).toBe(50);
  });

  it('reads a checked account: the digits of the number', () => {
    const { form, bank, number, holder } = mount();
    bank.value = '088';
    number.value = '110-123-456789';
    holder.value = '홍길동';
    expect(form.read()).toEqual({ bankCode: '088', bankAccount: '110123456789', bankUsername: '홍길동' });
  });

  it('shows each problem under its field, marks it invalid and focuses the first', () => {
    const { form, bank, number, holder, describedBy } = mount();
    number.value = '1234';
    expect(form.read()).toBeNull();
    expect(document.activeElement).toBe(bank);
    expect(bank.getAttribute('aria-invalid')).toBe('true');
    expect(describedBy(bank)).toContain('환불받을 은행을 선택해 주세요.');
    expect(describedBy(number)).toContain('숫자 10~16자리');
    expect(describedBy(holder)).toContain('예금주 이름을 입력해 주세요.');

    bank.value = '004';
    bank.dispatchEvent(new Event('change'));
    expect(bank.hasAttribute('aria-invalid')).toBe(false);
    expect(number.getAttribute('aria-invalid')).toBe('true'); // still wrong
  });

  it('puts the server refusal of a refund field under that field', () => {
    const { form, number, describedBy } = mount();
    const refused = new ApiError('validation_error', 'invalid', {}, [{ field: 'refund.bank_account', messages: ['x'] }]);
    expect(form.showServerError(refused)).toBe(true);
    expect(number.getAttribute('aria-invalid')).toBe('true');
    expect(describedBy(number)).toContain('계좌번호를 확인해 주세요.');
    expect(document.activeElement).toBe(number);
    expect(form.showServerError(new ApiError('validation_error', 'x', {}, [{ field: 'reason', messages: [] }]))).toBe(false);
    expect(form.showServerError(new ApiError('gateway_error', 'x'))).toBe(false);
  });
});

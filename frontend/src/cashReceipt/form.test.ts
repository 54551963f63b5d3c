/** The 현금영수증 form section: labels per type, checks, accessible errors. */
import { describe, expect, it } from 'vitest';
import { cashReceiptForm } from './form';
import { IDENTIFIER_MESSAGES } from './rules';

function mount(allowNone = true) {
  const form = cashReceiptForm({ idPrefix: 'test', legend: '현금영수증', allowNone, notes: ['가상계좌·계좌이체에만 발급됩니다.'] });
  document.body.replaceChildren(form.el);
  const radio = (label: string) =>
    [...form.el.querySelectorAll<HTMLLabelElement>('label.choice')].find((l) => l.textContent?.trim() === label)!
      .querySelector('input')!;
  const input = form.el.querySelector<HTMLInputElement>('input[name=cash-receipt-identifier]')!;
  const labelOf = () => document.querySelector<HTMLLabelElement>(`label[for="${input.id}"]`)!;
  const choose = (label: string) => {
    const r = radio(label);
    r.checked = true;
    r.dispatchEvent(new Event('change'));
  };
  const describedBy = () =>
    (input.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' ');
  return { form, radio, input, labelOf, choose, describedBy };
}

describe('cashReceiptForm', () => {
  it('offers 소득공제 / 지출증빙 / 신청 안 함 as one radio group, 신청 안 함 first chosen, no identifier then', () => {
    const { form, radio, input } = mount();
    const names = new Set([...form.el.querySelectorAll<HTMLInputElement>('input[type=radio]')].map((r) => r.name));
    expect(names.size).toBe(1);
    expect(radio('신청 안 함').checked).toBe(true);
    expect(form.type).toBe('none');
    expect(input.closest<HTMLElement>('.field')!.hidden).toBe(true);
    expect(form.read()).toEqual({ type: 'none', identifier: '' });
    expect(form.el.querySelector('legend')?.textContent).toBe('현금영수증');
    expect(form.el.getAttribute('aria-describedby')).toBeTruthy();
  });

  it('the identifier label, placeholder and inputmode follow the type', () => {
    const { choose, input, labelOf, form } = mount();
    choose('소득공제');
    expect(form.type).toBe('income_deduction');
    expect(input.closest<HTMLElement>('.field')!.hidden).toBe(false);
    expect(labelOf().textContent).toBe('휴대폰 번호 또는 현금영수증카드 번호');
    expect(input.getAttribute('inputmode')).toBe('tel');
    expect(input.placeholder).toContain('010');
    choose('지출증빙');
    expect(labelOf().textContent).toBe('사업자등록번호');
    expect(input.getAttribute('inputmode')).toBe('numeric');
    expect(input.placeholder).toContain('123-45-67890');
  });

  it('a wrong number is refused before sending: message tied by aria-describedby, aria-invalid, focus', () => {
    const { choose, input, form, describedBy } = mount();
    choose('지출증빙');
    input.value = '124-81-00997';
    expect(form.read()).toBeNull();
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(describedBy()).toContain(IDENTIFIER_MESSAGES.businessCheckDigit);
    expect(document.activeElement).toBe(input);
    // fixing it clears the error as soon as it is valid
    input.value = '124-81-00998';
    input.dispatchEvent(new Event('input'));
    expect(input.hasAttribute('aria-invalid')).toBe(false);
    expect(form.read()).toEqual({ type: 'expense_proof', identifier: '1248100998' });
  });

  it('an empty identifier asks for it; a finished entry is checked on blur', () => {
    const { choose, input, form, describedBy } = mount();
    choose('소득공제');
    expect(form.read()).toBeNull();
    expect(describedBy()).toContain(IDENTIFIER_MESSAGES.required.income_deduction);
    input.value = '02-123-4567';
    input.dispatchEvent(new Event('blur'));
    expect(describedBy()).toContain(IDENTIFIER_MESSAGES.incomeDeduction);
    input.value = '010-1234-5678';
    input.dispatchEvent(new Event('blur'));
    expect(input.hasAttribute('aria-invalid')).toBe(false);
    expect(form.read()).toEqual({ type: 'income_deduction', identifier: '01012345678' });
  });

  it('changing the type clears a shown error', () => {
    const { choose, input, form } = mount();
    choose('지출증빙');
    expect(form.read()).toBeNull();
    choose('신청 안 함');
    expect(input.hasAttribute('aria-invalid')).toBe(false);
    expect(form.read()).toEqual({ type: 'none', identifier: '' });
  });

  it('the server refusing the identifier is shown under the input; other codes are left to the caller', () => {
    const { choose, input, form, describedBy } = mount();
    choose('소득공제');
    input.value = '01012345678';
    expect(form.showServerError('cash_receipt_in_progress')).toBe(false);
    expect(form.showServerError('cash_receipt_identifier_invalid')).toBe(true);
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(describedBy()).toContain('현금영수증 번호가 올바르지 않습니다');
  });

  it('after payment only the two receipt types are offered, 소득공제 first', () => {
    const { form } = mount(false);
    const labels = [...form.el.querySelectorAll('label.choice')].map((l) => l.textContent?.trim());
    expect(labels).toEqual(['소득공제', '지출증빙']);
    expect(form.type).toBe('income_deduction');
  });

  it('setDisabled fixes the choice while a request runs', () => {
    const { form, input, radio } = mount();
    form.setDisabled(true);
    expect(input.disabled).toBe(true);
    expect(radio('소득공제').disabled).toBe(true);
    form.setDisabled(false);
    expect(input.disabled).toBe(false);
  });
});

describe('cashReceiptForm in a form', () => {
  it('leaving the number for the submit button does not show the message early (the submit does)', () => {
    const fields = cashReceiptForm({ idPrefix: 'f', legend: '현금영수증', allowNone: false });
    const submit = document.createElement('button');
    submit.type = 'submit';
    const form = document.createElement('form');
    form.append(fields.el, submit);
    document.body.replaceChildren(form);
    const input = form.querySelector<HTMLInputElement>('input[name=cash-receipt-identifier]')!;
    input.value = '02-123-4567';
    input.dispatchEvent(new FocusEvent('blur', { relatedTarget: submit }));
    expect(input.hasAttribute('aria-invalid')).toBe(false);
    input.dispatchEvent(new FocusEvent('blur', { relatedTarget: null }));
    expect(input.getAttribute('aria-invalid')).toBe('true');
  });
});

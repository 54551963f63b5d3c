/**
 * 환불 받을 계좌: the bank picker, account number and holder name a refund of a deposited virtual account needs.
 *
 * A <fieldset> whose three fields sit side by side on a wide screen and stack on a narrow one. The banks come
 * from the server (`rules.banks`, in its order). Each field keeps one line under it for its problem (so a message
 * appearing moves nothing), tied to the control with aria-describedby and aria-invalid; `read()` shows every
 * problem and focuses the first field that has one.
 */
import type { ApiError } from '../api/client';
import { h } from '../dom';
import {
  accountNumberHint,
  checkRefundAccount,
  REFUND_FIELD_REFUSED,
  refundFieldOf,
  type RefundAccount,
  type RefundAccountField,
  type RefundAccountRules,
} from './rules';

export interface RefundAccountForm {
  el: HTMLFieldSetElement;
  /** The checked account to send, or null after showing the problems and focusing the first. */
  read(): RefundAccount | null;
  /** Shows a server `validation_error` on a refund field under that field (focused); false for anything else. */
  showServerError(error: Pick<ApiError, 'code' | 'fields'>): boolean;
  setDisabled(disabled: boolean): void;
}

const safeId = (value: string): string => value.replace(/[^A-Za-z0-9_-]/g, '-');

export function refundAccountForm(idPrefix: string, rules: RefundAccountRules): RefundAccountForm {
  const prefix = `refund-account-${safeId(idPrefix)}`;
  const bank = h(
    'select',
    { name: 'bank_code', required: true },
    h('option', { value: '' }, '은행 선택'),
    rules.banks.map((b) => h('option', { value: b.code }, b.name)),
  );
  const number = h('input', {
    name: 'bank_account',
    type: 'text',
    inputmode: 'numeric',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    // Room for the hyphens and spaces people type between the digits (they are dropped before sending).
    maxlength: String(rules.rule.maxDigits * 2),
  });
  const holder = h('input', {
    name: 'bank_username',
    type: 'text',
    autocomplete: 'name',
    required: true,
    maxlength: String(rules.rule.holderMaxLength),
  });
  const controls: Record<RefundAccountField, HTMLInputElement | HTMLSelectElement> = {
    bankCode: bank,
    bankAccount: number,
    bankUsername: holder,
  };
  const errors = {} as Record<RefundAccountField, HTMLParagraphElement>;

  const field = (name: RefundAccountField, label: string, hint: string | null) => {
    const control = controls[name];
    const id = `${prefix}-${name}`;
    const hintId = `${id}-hint`;
    const errorId = `${id}-error`;
    control.id = id;
    control.setAttribute('aria-describedby', hint ? `${hintId} ${errorId}` : errorId);
    errors[name] = h('p', { id: errorId, className: 'field-error' });
    return h(
      'div',
      { className: `field refund-account-${name}` },
      h('label', { for: id }, label),
      control,
      hint && h('p', { id: hintId, className: 'hint' }, hint),
      errors[name],
    );
  };

  const show = (name: RefundAccountField, message: string | null): void => {
    errors[name].textContent = message ?? '';
    if (message) controls[name].setAttribute('aria-invalid', 'true');
    else controls[name].removeAttribute('aria-invalid');
  };

  const el = h(
    'fieldset',
    { className: 'refund-account' },
    h('legend', null, '환불 받을 계좌'),
    h(
      'div',
      { className: 'refund-account-fields' },
      field('bankCode', '환불 은행', null),
      field('bankAccount', '환불 계좌번호', accountNumberHint(rules.rule)),
      field('bankUsername', '예금주', null),
    ),
  );

  const typed = (): RefundAccount => ({ bankCode: bank.value, bankAccount: number.value, bankUsername: holder.value });
  // A problem goes away as soon as the field is right again; a new one waits for the submit (or, for the
  // account number, for leaving the field, unless focus goes to the submit: the message appearing between the
  // press and the release would swallow the click).
  for (const [name, control] of Object.entries(controls) as [RefundAccountField, HTMLElement][]) {
    control.addEventListener(name === 'bankCode' ? 'change' : 'input', () => {
      const checked = checkRefundAccount(typed(), rules);
      if (checked.ok || !checked.problems[name]) show(name, null);
    });
  }
  number.addEventListener('blur', (event: FocusEvent) => {
    const next = event.relatedTarget;
    if (next instanceof HTMLButtonElement && next.type === 'submit' && next.form !== null && next.form === number.form) return;
    if (number.value.trim() === '') return;
    const checked = checkRefundAccount(typed(), rules);
    show('bankAccount', checked.ok ? null : (checked.problems.bankAccount ?? null));
  });

  return {
    el,
    read() {
      const checked = checkRefundAccount(typed(), rules);
      const names = Object.keys(controls) as RefundAccountField[];
      for (const name of names) show(name, checked.ok ? null : (checked.problems[name] ?? null));
      if (checked.ok) return checked.account;
      const first = names.find((name) => checked.problems[name]);
      if (first) controls[first].focus();
      return null;
    },
    showServerError(error) {
      if (error.code !== 'validation_error') return false;
      const refused = error.fields
        .map((problem) => refundFieldOf(problem.field))
        .filter((name): name is RefundAccountField => name !== null);
      for (const name of refused) show(name, REFUND_FIELD_REFUSED[name]);
      if (refused.length === 0) return false;
      controls[refused[0]].focus();
      return true;
    },
    setDisabled(disabled) {
      for (const control of Object.values(controls)) control.disabled = disabled;
    },
  };
}

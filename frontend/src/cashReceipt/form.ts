/**
 * The 현금영수증 form section, used by the checkout (소득공제 / 지출증빙 / 신청 안 함, sent with createOrder)
 * and by 내 주문 (request or change one after payment: 소득공제 / 지출증빙).
 *
 * A <fieldset> with its legend; the type is a nested radio group (arrow keys move between the radios); the
 * identifier's label, placeholder, inputmode and hint follow the type; a problem is shown under the input,
 * tied to it with aria-describedby and aria-invalid, and the input is focused so it is read out.
 */
import { h, replace } from '../dom';
import {
  type CashReceiptChoice,
  type CashReceiptType,
  CASH_RECEIPT_ERROR_TEXT,
  checkIdentifier,
  IDENTIFIER_FIELD,
  TYPE_LABEL,
} from './rules';

export interface CashReceiptFormOptions {
  /** Makes the element ids unique on the page (e.g. 'checkout', or the order id on 내 주문). */
  idPrefix: string;
  legend: string;
  /** Offer 신청 안 함 (the checkout); 내 주문 asks only for a receipt to issue. */
  allowNone: boolean;
  /** The type chosen at first (default: 신청 안 함 when offered, else 소득공제). */
  initial?: CashReceiptType;
  /** Notes under the legend (what the receipt applies to, 자진발급…), read with the group. */
  notes?: (string | Node)[];
}

export interface CashReceiptForm {
  el: HTMLFieldSetElement;
  /** The chosen type (before any check). */
  readonly type: CashReceiptType;
  /** The checked choice to send, or null after showing the problem and focusing the input. */
  read(): CashReceiptChoice | null;
  /**
   * Shows a server refusal where it belongs: `cash_receipt_identifier_invalid` under the identifier (focused);
   * returns false for any other code (the caller shows it in its alert).
   */
  showServerError(code: string): boolean;
  setDisabled(disabled: boolean): void;
}

const safeId = (value: string): string => value.replace(/[^A-Za-z0-9_-]/g, '-');

export function cashReceiptForm(options: CashReceiptFormOptions): CashReceiptForm {
  const prefix = `cash-receipt-${safeId(options.idPrefix)}`;
  const types: CashReceiptType[] = options.allowNone
    ? ['income_deduction', 'expense_proof', 'none']
    : ['income_deduction', 'expense_proof'];
  let type: CashReceiptType =
    options.initial && types.includes(options.initial) ? options.initial : options.allowNone ? 'none' : 'income_deduction';

  const inputId = `${prefix}-identifier`;
  const hintId = `${prefix}-hint`;
  const errorId = `${prefix}-error`;
  const notesId = `${prefix}-notes`;

  const radios = types.map((value) =>
    h('input', { type: 'radio', name: `${prefix}-type`, value, checked: value === type }),
  );
  const label = h('label', { for: inputId });
  const input = h('input', {
    id: inputId,
    name: 'cash-receipt-identifier',
    type: 'text',
    autocomplete: 'off',
    maxlength: '32',
    spellcheck: 'false',
    'aria-describedby': `${hintId} ${errorId}`,
  });
  const hint = h('p', { id: hintId, className: 'hint' });
  const error = h('p', { id: errorId, className: 'field-error' });
  const field = h('div', { className: 'field cash-receipt-identifier' }, label, input, hint, error);

  const notes = options.notes ?? [];
  const el = h(
    'fieldset',
    { className: 'card cash-receipt', 'aria-describedby': notes.length > 0 ? notesId : undefined },
    h('legend', null, options.legend),
    notes.length > 0 && h('div', { id: notesId, className: 'hint cash-receipt-notes' }, notes.map((n) => h('p', null, n))),
    h(
      'fieldset',
      { className: 'cash-receipt-types' },
      h('legend', null, '발급 유형'),
      radios.map((radio, i) => h('label', { className: 'choice' }, radio, ' ', TYPE_LABEL[types[i]])),
    ),
    field,
  );

  const showError = (message: string | null): void => {
    if (message) {
      error.textContent = message;
      input.setAttribute('aria-invalid', 'true');
    } else {
      error.textContent = '';
      input.removeAttribute('aria-invalid');
    }
  };

  const applyType = (): void => {
    field.hidden = type === 'none';
    input.required = type !== 'none';
    if (type === 'none') return showError(null);
    const spec = IDENTIFIER_FIELD[type];
    label.textContent = spec.label;
    input.placeholder = spec.placeholder;
    // 소득공제: a phone keypad (digits and '-'); 사업자등록번호: digits.
    input.setAttribute('inputmode', type === 'income_deduction' ? 'tel' : 'numeric');
    replace(hint, spec.hint);
    showError(null);
  };

  radios.forEach((radio, i) =>
    radio.addEventListener('change', () => {
      if (!radio.checked) return;
      type = types[i];
      applyType();
    }),
  );
  // A finished entry is checked when the buyer leaves the field; an empty one waits for the submit. Not when
  // focus goes to this form's submit button: the message appearing would move the button between the
  // press and the release and swallow the click (the submit checks it anyway).
  input.addEventListener('blur', (event: FocusEvent) => {
    const next = event.relatedTarget;
    if (next instanceof HTMLButtonElement && next.type === 'submit' && next.form !== null && next.form === input.form) return;
    if (type === 'none' || input.value.trim() === '') return;
    const checked = checkIdentifier(type, input.value);
    showError(checked.ok ? null : checked.message);
  });
  input.addEventListener('input', () => {
    if (input.getAttribute('aria-invalid') === 'true' && checkIdentifier(type, input.value).ok) showError(null);
  });
  applyType();

  return {
    el,
    get type() {
      return type;
    },
    read() {
      const checked = checkIdentifier(type, input.value);
      if (!checked.ok) {
        showError(checked.message);
        input.focus();
        return null;
      }
      showError(null);
      return { type, identifier: checked.identifier };
    },
    showServerError(code) {
      if (code !== 'cash_receipt_identifier_invalid' || type === 'none') return false;
      showError(CASH_RECEIPT_ERROR_TEXT[code]);
      input.focus();
      return true;
    },
    setDisabled(disabled) {
      for (const radio of radios) radio.disabled = disabled;
      input.disabled = disabled;
    },
  };
}

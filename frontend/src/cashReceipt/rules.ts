/**
 * 현금영수증 (cash receipts): the buyer's choice, its identifier rules and the Korean texts. No DOM, no fetch.
 *
 * The rules mirror the server's (DESIGN.md, "Cash receipts (현금영수증) and adult verification"); the server
 * checks again and answers `cash_receipt_identifier_invalid` when it disagrees:
 * - 소득공제 (income_deduction): a mobile phone number (010, 011, 016–019; 10–11 digits) or a
 *   현금영수증카드 (cash receipt card) number (13–19 digits);
 * - 지출증빙 (expense_proof): a 사업자등록번호 (business registration number), 10 digits whose last one is the
 *   National Tax Service check digit (weights 1,3,7,1,3,7,1,3,5; see businessNumberCheckDigit); the server
 *   also takes a phone or card number here (Hometax lists all three for either use), and so do we.
 * What a number is follows the server's order (payments/cash_receipts/identifiers.py): a phone first, then
 * a business number, then a card. Hyphens and spaces people type are dropped before checking and sending.
 */

export type CashReceiptType = 'income_deduction' | 'expense_proof' | 'none';

/** What createOrder / requestCashReceipt send: the type and the identifier (digits only; '' for none). */
export interface CashReceiptChoice {
  type: CashReceiptType;
  identifier: string;
}

/** Bootpay payment methods that are cash sales (가상계좌, 계좌이체): only they get a cash receipt. */
export const CASH_LIKE_METHODS: ReadonlySet<string> = new Set(['vbank', 'bank']);

export const isCashLikeMethod = (method: string | null | undefined): boolean =>
  method != null && CASH_LIKE_METHODS.has(method);

/** A cash sale of this much or more gets a receipt even unasked (자진발급, to the tax office's number). */
export const SELF_ISSUE_THRESHOLD = 100_000;

export const TYPE_LABEL: Record<CashReceiptType, string> = {
  income_deduction: '소득공제',
  expense_proof: '지출증빙',
  none: '신청 안 함',
};

/** The identifier input, per type: its label, placeholder, inputmode and the hint under it. */
export const IDENTIFIER_FIELD: Record<Exclude<CashReceiptType, 'none'>, { label: string; placeholder: string; hint: string }> = {
  income_deduction: {
    label: '휴대폰 번호 또는 현금영수증카드 번호',
    placeholder: '예: 010-1234-5678',
    hint: '숫자만 입력해도 됩니다. 휴대폰 번호(010·011·016~019) 또는 현금영수증카드 번호(13~19자리)',
  },
  expense_proof: {
    label: '사업자등록번호',
    placeholder: '예: 123-45-67890',
    hint: '숫자 10자리. 하이픈(-)은 빼도 됩니다. 휴대폰 번호나 현금영수증카드 번호로도 발급할 수 있습니다.',
  },
};

/** Digits only: drops the hyphens, spaces and dots people paste. Any other character is kept (and fails). */
export function normaliseIdentifier(raw: string): string {
  return raw.replace(/[\s\-.]/g, '');
}

const PHONE = /^01[016789]\d{7,8}$/;
const CARD = /^\d{13,19}$/;
const BUSINESS = /^\d{10}$/;

/** 010/011/016–019, 10–11 digits in all (normalised input). */
export const isPhoneNumber = (digits: string): boolean => PHONE.test(digits);

/** A 현금영수증카드 (or a card registered for cash receipts): 13–19 digits (normalised input). */
export const isCardNumber = (digits: string): boolean => CARD.test(digits);

const BUSINESS_WEIGHTS = [1, 3, 7, 1, 3, 7, 1, 3, 5] as const;

/**
 * The check digit of a 사업자등록번호 from its first nine digits (National Tax Service rule):
 * sum = Σ dᵢ·wᵢ with weights 1,3,7,1,3,7,1,3,5, plus ⌊d₉·5 / 10⌋ (the tens of the last product);
 * check = (10 − sum mod 10) mod 10. E.g. 124-81-00998: 1+6+28+8+3+0+0+27+45 + 4 = 122 → check 8.
 */
export function businessNumberCheckDigit(firstNine: string): number {
  if (!/^\d{9}$/.test(firstNine)) throw new Error('businessNumberCheckDigit needs exactly nine digits');
  const digits = [...firstNine].map(Number);
  let sum = 0;
  BUSINESS_WEIGHTS.forEach((weight, i) => {
    sum += digits[i] * weight;
  });
  sum += Math.floor((digits[8] * 5) / 10);
  return (10 - (sum % 10)) % 10;
}

/** 10 digits whose last is the check digit (normalised input). */
export function isBusinessNumber(digits: string): boolean {
  return BUSINESS.test(digits) && businessNumberCheckDigit(digits.slice(0, 9)) === Number(digits[9]);
}

export type IdentifierKind = 'phone' | 'business' | 'card';

/** What a digits-only identifier is, in the server's order: a phone wins over a business number of 10 digits. */
export function identifierKind(digits: string): IdentifierKind | null {
  if (isPhoneNumber(digits)) return 'phone';
  if (isBusinessNumber(digits)) return 'business';
  if (isCardNumber(digits)) return 'card';
  return null;
}

const ACCEPTED: Record<Exclude<CashReceiptType, 'none'>, readonly IdentifierKind[]> = {
  income_deduction: ['phone', 'card'],
  expense_proof: ['business', 'phone', 'card'],
};

/** The server refuses longer input outright (identifier_clean: more than 25 digits). */
const MAX_DIGITS = 25;

export type IdentifierCheck = { ok: true; identifier: string } | { ok: false; message: string };

export const IDENTIFIER_MESSAGES = {
  required: {
    income_deduction: '휴대폰 번호 또는 현금영수증카드 번호를 입력해 주세요.',
    expense_proof: '사업자등록번호를 입력해 주세요.',
  },
  notDigits: '숫자와 하이픈(-)만 입력해 주세요.',
  incomeDeduction: '휴대폰 번호(010·011·016~019로 시작하는 10~11자리) 또는 현금영수증카드 번호(13~19자리)를 확인해 주세요.',
  businessLength: '사업자등록번호(숫자 10자리), 휴대폰 번호 또는 현금영수증카드 번호를 확인해 주세요.',
  businessCheckDigit: '올바른 사업자등록번호가 아닙니다. 번호를 다시 확인해 주세요.',
} as const;

/** Checks `raw` for `type` as the server does; on success gives the identifier to send (digits only). */
export function checkIdentifier(type: CashReceiptType, raw: string): IdentifierCheck {
  if (type === 'none') return { ok: true, identifier: '' };
  const digits = normaliseIdentifier(raw);
  if (digits === '') return { ok: false, message: IDENTIFIER_MESSAGES.required[type] };
  if (!/^\d+$/.test(digits) || digits.length > MAX_DIGITS) return { ok: false, message: IDENTIFIER_MESSAGES.notDigits };
  const kind = identifierKind(digits);
  if (kind !== null && ACCEPTED[type].includes(kind)) return { ok: true, identifier: digits };
  if (type === 'income_deduction') return { ok: false, message: IDENTIFIER_MESSAGES.incomeDeduction };
  // 지출증빙: a 10-digit number that is no phone is a business number with the wrong check digit.
  return {
    ok: false,
    message: digits.length === 10 ? IDENTIFIER_MESSAGES.businessCheckDigit : IDENTIFIER_MESSAGES.businessLength,
  };
}

// --- Showing an issued (or pending) receipt --------------------------------------------------------

// The server's statuses (GraphQL CashReceipt.status): pending | issued | failed | cancelled | not_applicable.
const STATUS_TEXT: Record<string, string> = {
  pending: '발급 대기',
  issued: '발급 완료',
  failed: '발급 실패',
  cancelled: '발급 취소',
  not_applicable: '해당 없음 (현금 결제가 아님)',
};

/** The server's receipt status in Korean; an unknown value is shown as it is. */
export const cashReceiptStatusText = (status: string): string => STATUS_TEXT[status] ?? status;

/** The server's receipt type in Korean ('소득공제' / '지출증빙'); an unknown value is shown as it is. */
export const cashReceiptTypeText = (type: string): string =>
  (TYPE_LABEL as Record<string, string | undefined>)[type] ?? type;

/** The Korean text for each error code of the cash-receipt endpoints. */
export const CASH_RECEIPT_ERROR_TEXT: Record<string, string> = {
  cash_receipt_identifier_invalid:
    '현금영수증 번호가 올바르지 않습니다. 소득공제는 휴대폰 번호 또는 현금영수증카드 번호, 지출증빙은 사업자등록번호를 입력해 주세요.',
  cash_receipt_not_applicable:
    '이 주문에는 현금영수증을 신청할 수 없습니다. 가상계좌·계좌이체로 결제를 마친 주문에 한해, 법정 기한 안에 신청할 수 있습니다.',
  cash_receipt_in_progress: '현금영수증을 발급하거나 취소하는 중입니다. 잠시 후 다시 시도해 주세요.',
};

/**
 * The buyer's own choice, masked as the server masks it (identifier_mask) until its `identifierMasked`
 * arrives: `010-****-5678`, `123-45-*****`, `1234-****-****-5678`.
 */
export function maskIdentifier(digits: string): string {
  const kind = identifierKind(digits);
  if (kind === 'phone') return `${digits.slice(0, 3)}-${'*'.repeat(digits.length - 7)}-${digits.slice(-4)}`;
  if (kind === 'business') return `${digits.slice(0, 3)}-${digits.slice(3, 5)}-*****`;
  if (digits.length >= 8) return `${digits.slice(0, 4)}-****-****-${digits.slice(-4)}`;
  return '****';
}

export const CHECKOUT_NOTES = {
  appliesTo: '현금영수증은 가상계좌·계좌이체로 결제할 때 발급됩니다. 결제 수단은 다음 단계에서 고르며, 카드 등 다른 결제 수단에는 적용되지 않습니다.',
  selfIssue:
    '10만 원 이상을 현금(가상계좌·계좌이체)으로 결제하고 현금영수증을 신청하지 않으면, 법에 따라 국세청 지정 번호(010-000-1234)로 자진발급됩니다.',
  issuedAfterDeposit: '입금(결제)이 확인되면 발급됩니다.',
  changeLater: '결제 후 내 주문에서 현금영수증을 신청하거나 바꿀 수 있습니다.',
} as const;

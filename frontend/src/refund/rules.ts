/**
 * The account a deposited virtual account (가상계좌) is refunded to, and the texts around a refund. No DOM, no fetch.
 *
 * The banks and the limits are the server's (`checkoutConfig.refundBanks` / `refundAccountRule`, defined once in
 * payments/gateway/banks.py), so this module keeps no bank list or length of its own. It mirrors only how the
 * server reads what was typed (`RefundAccount`): the hyphens and spaces in an account number are dropped and
 * what is left must be that many ASCII digits; the holder's name loses its surrounding spaces. The server checks
 * again and names the field it refuses (`refund.bank_code`, `refund.bank_account`, `refund.bank_username`).
 */
import { formatWon } from '../format';

export interface RefundBank {
  code: string;
  name: string;
}

export interface RefundAccountRule {
  minDigits: number;
  maxDigits: number;
  holderMaxLength: number;
}

export interface RefundAccountRules {
  banks: readonly RefundBank[];
  rule: RefundAccountRule;
}

/** What cancelPayment's `refund` takes. */
export interface RefundAccount {
  bankCode: string;
  bankAccount: string;
  bankUsername: string;
}

export type RefundAccountField = keyof RefundAccount;

export type RefundAccountCheck =
  | { ok: true; account: RefundAccount }
  | { ok: false; problems: Partial<Record<RefundAccountField, string>> };

/** The account number without the hyphens and spaces people type in it (as the server drops them). */
export const accountNumberDigits = (raw: string): string => raw.replace(/[\s-]/g, '');

const ASCII_DIGITS = /^[0-9]+$/;

/** The hint under the account number: how many digits, and that hyphens may stay. */
export const accountNumberHint = (rule: RefundAccountRule): string =>
  `숫자 ${rule.minDigits}~${rule.maxDigits}자리. 하이픈(-)은 넣어도 되고 빼도 됩니다.`;

export function checkRefundAccount(typed: RefundAccount, rules: RefundAccountRules): RefundAccountCheck {
  const { rule } = rules;
  const bankCode = typed.bankCode.trim();
  const bankAccount = accountNumberDigits(typed.bankAccount);
  const bankUsername = typed.bankUsername.trim();
  const problems: Partial<Record<RefundAccountField, string>> = {};
  if (!rules.banks.some((bank) => bank.code === bankCode)) problems.bankCode = '환불받을 은행을 선택해 주세요.';
  if (bankAccount === '') problems.bankAccount = '계좌번호를 입력해 주세요.';
  else if (!ASCII_DIGITS.test(bankAccount) || bankAccount.length < rule.minDigits || bankAccount.length > rule.maxDigits) {
    problems.bankAccount = `계좌번호는 숫자 ${rule.minDigits}~${rule.maxDigits}자리로 입력해 주세요.`;
  }
  if (bankUsername === '') problems.bankUsername = '예금주 이름을 입력해 주세요.';
  else if (bankUsername.length > rule.holderMaxLength) {
    problems.bankUsername = `예금주 이름은 ${rule.holderMaxLength}자까지 입력할 수 있습니다.`;
  }
  return Object.keys(problems).length > 0 ? { ok: false, problems } : { ok: true, account: { bankCode, bankAccount, bankUsername } };
}

/** The form field a server `validation_error` names (`refund.bank_account` → bankAccount), if it is one. */
export function refundFieldOf(serverField: string): RefundAccountField | null {
  const fields: Record<string, RefundAccountField> = {
    'refund.bank_code': 'bankCode',
    'refund.bank_account': 'bankAccount',
    'refund.bank_username': 'bankUsername',
  };
  return fields[serverField] ?? null;
}

/** What the server's refusal of one refund-account field means, in Korean (its own message may be English). */
export const REFUND_FIELD_REFUSED: Record<RefundAccountField, string> = {
  bankCode: '이 은행으로는 환불할 수 없습니다. 다른 은행을 선택해 주세요.',
  bankAccount: '계좌번호를 확인해 주세요.',
  bankUsername: '예금주 이름을 확인해 주세요.',
};

/**
 * The question asked before a refund is requested (as 구독 해지 asks before it stops a subscription): what goes
 * back, and that it cannot be taken back. `amount` is the lines' total as listed; the server decides the refund.
 */
export function refundConfirmText(productNames: readonly string[], amount: number): string {
  const what =
    productNames.length === 1 ? productNames[0] : `${productNames[0]} 외 ${productNames.length - 1}개 상품`;
  return `${what} (${formatWon(amount)})을(를) 환불하시겠습니까? 환불을 요청하면 되돌릴 수 없습니다.`;
}

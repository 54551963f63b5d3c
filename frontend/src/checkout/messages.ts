import { CASH_RECEIPT_ERROR_TEXT } from '../cashReceipt/rules';

/** Korean text for every error `code` the backend (or the payment window) can answer with. */
const BY_CODE: Record<string, string> = {
  amount_mismatch: '결제 금액이 주문 금액과 달라 결제가 취소되었습니다. 다시 결제해 주세요.',
  order_not_payable: '이 주문은 더 이상 결제할 수 없습니다. 주문 상태를 확인해 주세요.',
  order_not_found: '주문을 찾을 수 없습니다.',
  receipt_already_used: '이미 다른 결제에 사용된 결제 영수증입니다. 다시 결제해 주세요.',
  receipt_order_mismatch: '결제 영수증이 이 주문과 맞지 않습니다. 다시 결제해 주세요.',
  payment_failed: '결제에 실패했습니다. 다른 결제 수단으로 다시 시도해 주세요.',
  payment_not_confirmable: '이 결제는 승인할 수 없는 상태입니다.',
  payment_not_cancellable: '이 결제는 환불할 수 없는 상태입니다.',
  payment_not_found: '결제 정보를 찾을 수 없습니다.',
  cancel_exceeds_balance: '환불 금액이 남은 결제 금액보다 많습니다.',
  cancel_in_progress: '이미 환불을 처리하고 있습니다. 잠시 후 다시 확인해 주세요.',
  idempotency_key_reused: '같은 요청이 다른 내용으로 이미 처리되었습니다. 새로 고침 후 다시 시도해 주세요.',
  gateway_unavailable: '결제사에 연결할 수 없습니다. 잠시 후 다시 시도해 주세요.',
  gateway_error: '결제사에서 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.',
  permission_denied: '이 작업을 할 권한이 없습니다.',
  not_authenticated: '로그인이 필요합니다. 다시 로그인해 주세요.',
  validation_error: '입력한 내용이 올바르지 않습니다. 확인 후 다시 시도해 주세요.',
  insufficient_stock: '재고가 부족한 상품이 있습니다. 장바구니를 확인해 주세요.',
  product_unavailable: '판매하지 않는 상품이 장바구니에 있습니다.',
  product_not_found: '상품을 찾을 수 없습니다.',
  throttled: '요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.',
  network_error: '서버에 연결할 수 없습니다. 네트워크를 확인한 뒤 다시 시도해 주세요.',
  // Adult-only products (identity verification)
  adult_verification_required: '성인 전용 상품이 있습니다. 성인 인증 후 결제할 수 있습니다.',
  identity_verification_failed: '본인인증이 완료되지 않았거나 만료되었습니다. 다시 인증해 주세요.',
  // Automatic payments (subscriptions)
  billing_key_invalid: '카드를 등록하지 못했습니다. 카드 등록을 처음부터 다시 해 주세요.',
  billing_key_not_found: '등록된 카드를 찾을 수 없습니다. 카드를 다시 등록해 주세요.',
  billing_key_in_use: '구독에 사용 중인 카드입니다. 구독을 먼저 해지해 주세요.',
  product_not_subscribable: '정기구독으로 판매하지 않는 상품입니다.',
  subscription_not_found: '구독을 찾을 수 없습니다.',
  subscription_not_active: '이미 해지된 구독입니다.',
  // 현금영수증
  ...CASH_RECEIPT_ERROR_TEXT,
};

export const GENERIC_ERROR = '요청을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요.';

export function messageForCode(code: string | undefined): string {
  return (code && BY_CODE[code]) || GENERIC_ERROR;
}

/** A failed payment-window outcome: its code when we know it, else the window's own (Korean) message. */
export function messageForFailedPayment(code: string | undefined, sdkMessage: string | undefined): string {
  if (code && BY_CODE[code]) return BY_CODE[code];
  return sdkMessage ? `${sdkMessage} 다시 시도해 주세요.` : '결제에 실패했습니다. 다시 시도해 주세요.';
}

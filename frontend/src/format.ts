const won = new Intl.NumberFormat('ko-KR');
const dateTime = new Intl.DateTimeFormat('ko-KR', { dateStyle: 'medium', timeStyle: 'short' });

/** formatWon(43000) === '43,000원' */
export function formatWon(amount: number): string {
  return `${won.format(amount)}원`;
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

const ORDER_STATUS: Record<string, string> = {
  pending_payment: '결제 대기',
  paid: '결제 완료',
  partially_refunded: '부분 환불',
  refunded: '환불 완료',
  cancelled: '취소됨',
  expired: '만료됨',
};

const ITEM_STATUS: Record<string, string> = {
  pending_payment: '결제 대기',
  paid: '결제 완료',
  refunded: '환불 완료',
  cancelled: '취소됨',
};

const PAYMENT_STATUS: Record<string, string> = {
  ready: '결제 진행 중',
  awaiting_confirm: '승인 대기',
  awaiting_deposit: '입금 대기',
  paid: '결제 완료',
  partially_cancelled: '부분 환불',
  cancelled: '환불 완료',
  failed: '결제 실패',
};

export const orderStatusText = (status: string): string => ORDER_STATUS[status] ?? status;
export const itemStatusText = (status: string): string => ITEM_STATUS[status] ?? status;
export const paymentStatusText = (status: string): string => PAYMENT_STATUS[status] ?? status;

const INTERVAL: Record<string, string> = { week: '매주', month: '매월', year: '매년' };

const SUBSCRIPTION_STATUS: Record<string, string> = {
  active: '이용 중',
  past_due: '결제 지연',
  cancelled: '해지됨',
};

const CHARGE_STATUS: Record<string, string> = {
  pending: '결제 예정',
  sending: '결제 중',
  paid: '결제 완료',
  declined: '결제 거절',
  unknown: '결제 확인 중',
  cancelled: '취소됨',
};

/** intervalText('month') === '매월' */
export const intervalText = (interval: string): string => INTERVAL[interval] ?? interval;
export const subscriptionStatusText = (status: string): string => SUBSCRIPTION_STATUS[status] ?? status;
export const chargeStatusText = (status: string): string => CHARGE_STATUS[status] ?? status;

/** formatPerInterval(9900, 'month') === '매월 9,900원' */
export const formatPerInterval = (amount: number, interval: string): string =>
  `${intervalText(interval)} ${formatWon(amount)}`;

/**
 * Shipping and escrow (구매안전) helpers shared by the seller page, 내 주문 and the checkout: the couriers the
 * ship form offers, the tracking-number rules, and the Korean text of an escrow registration's state.
 * No DOM, no fetch.
 */
import { formatDateTime } from './format';

/**
 * The couriers the seller's ship form offers. The value sent (and stored as `courier`) is the courier's
 * Korean name, which is what Bootpay's escrow shipping registration takes as `delivery_corp`
 * (its example: 'CJ대한통운').
 */
export const COURIERS: readonly string[] = [
  'CJ대한통운',
  '우체국택배',
  '한진택배',
  '롯데택배',
  '로젠택배',
  '경동택배',
  '대신택배',
  '일양로지스',
  '합동택배',
  '천일택배',
  '건영택배',
  'CU 편의점택배',
  'GS Postbox 택배',
];

/** The backend's OrderItem.courier / tracking_number limit (CharField 40). */
export const SHIPPING_FIELD_MAX = 40;

/** '1234-5678 9012' → '123456789012': spaces and hyphens are how people copy tracking numbers, not part of them. */
export function normaliseTrackingNumber(raw: string): string {
  return raw.replace(/[\s-]+/g, '');
}

export interface Shipment {
  courier: string;
  trackingNumber: string;
}

export type ShipmentCheck = { ok: true; shipment: Shipment | null } | { ok: false; message: string };

/**
 * What the ship form may send: for an escrow payment a courier and a tracking number are required (the PG
 * needs both to register the shipment); otherwise both or neither. The server checks the same rules
 * (validation_error); this only saves a round trip and says which field is missing.
 */
export function checkShipment(courier: string, trackingNumber: string, escrow: boolean): ShipmentCheck {
  const chosen = courier.trim();
  const number = normaliseTrackingNumber(trackingNumber);
  if (!chosen && !number) {
    return escrow
      ? { ok: false, message: '에스크로(구매안전) 결제 주문은 택배사와 송장번호를 입력해야 발송 처리할 수 있습니다.' }
      : { ok: true, shipment: null };
  }
  if (!chosen) return { ok: false, message: '택배사를 선택해 주세요.' };
  if (!number) return { ok: false, message: '송장번호를 입력해 주세요.' };
  if (number.length > SHIPPING_FIELD_MAX || !/^[0-9A-Za-z]+$/.test(number)) {
    return { ok: false, message: '송장번호는 숫자와 영문자로만 40자까지 입력해 주세요.' };
  }
  return { ok: true, shipment: { courier: chosen, trackingNumber: number } };
}

interface ShippedLine {
  shipped: boolean;
  courier?: string | null;
  trackingNumber?: string | null;
  shippedAt?: string | null;
}

/** '발송됨 · CJ대한통운 123456789012 · 2026. 12. 1. 오후 9:05' (without the parts the line does not have). */
export function shipmentText(line: ShippedLine): string {
  if (!line.shipped) return '';
  const parts = ['발송됨'];
  const carrier = [line.courier, line.trackingNumber].filter(Boolean).join(' ');
  if (carrier) parts.push(carrier);
  if (line.shippedAt) parts.push(formatDateTime(line.shippedAt));
  return parts.join(' · ');
}

export type EscrowStatus = 'pending' | 'registered' | 'failed';

const ESCROW_STATUS: Record<string, string> = {
  pending: '등록 대기',
  registered: '등록 완료',
  failed: '등록 실패',
};

export interface EscrowInfo {
  status: string;
  courier?: string | null;
  trackingNumber?: string | null;
  registeredAt?: string | null;
  errorCode?: string | null;
}

export const escrowStatusText = (status: string): string => ESCROW_STATUS[status] ?? status;

/**
 * The escrow registration state, for the seller: '배송 등록: 등록 대기', '배송 등록: 등록 완료 (2026. 12. 1. …)',
 * '배송 등록: 등록 실패 (RC_NOT_ESCROW)'. Null for a payment that is not escrow.
 */
export function escrowStateText(escrow: EscrowInfo | null | undefined): string | null {
  if (!escrow) return null;
  const state = escrowStatusText(escrow.status);
  if (escrow.status === 'failed') return `배송 등록: ${state}${escrow.errorCode ? ` (${escrow.errorCode})` : ''}`;
  if (escrow.status === 'registered' && escrow.registeredAt) {
    return `배송 등록: ${state} (${formatDateTime(escrow.registeredAt)})`;
  }
  return `배송 등록: ${state}`;
}

/** Whether the checkout offers 에스크로(구매안전) 결제: only for an order the server says is eligible. */
export const escrowOffered = (order: { escrowEligible?: boolean | null } | null | undefined): boolean =>
  order?.escrowEligible === true;

export const ESCROW_LABEL = '에스크로(구매안전) 결제';

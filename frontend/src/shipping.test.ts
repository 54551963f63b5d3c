import { describe, expect, it } from 'vitest';
import {
  checkShipment,
  COURIERS,
  escrowOffered,
  escrowStateText,
  escrowStatusText,
  normaliseTrackingNumber,
  shipmentText,
} from './shipping';
import { formatDateTime } from './format';

describe('couriers', () => {
  it('offers the common Korean couriers by the names Bootpay takes as delivery_corp', () => {
    for (const name of ['CJ대한통운', '우체국택배', '한진택배', '롯데택배', '로젠택배']) expect(COURIERS).toContain(name);
    expect(new Set(COURIERS).size).toBe(COURIERS.length);
    for (const name of COURIERS) expect(name.length).toBeLessThanOrEqual(40);
  });
});

describe('checkShipment', () => {
  it('normalises pasted tracking numbers', () => {
    expect(normaliseTrackingNumber(' 6543-2109 8765 ')).toBe('654321098765');
  });

  it('without escrow: both or neither', () => {
    expect(checkShipment('', '', false)).toEqual({ ok: true, shipment: null });
    expect(checkShipment('CJ대한통운', '6543-2109-8765', false)).toEqual({
      ok: true,
      shipment: { courier: 'CJ대한통운', trackingNumber: '654321098765' },
    });
    expect(checkShipment('CJ대한통운', '', false)).toEqual({ ok: false, message: '송장번호를 입력해 주세요.' });
    expect(checkShipment('', '123', false)).toEqual({ ok: false, message: '택배사를 선택해 주세요.' });
  });

  it('an escrow payment needs both', () => {
    const empty = checkShipment('', ' ', true);
    expect(empty.ok).toBe(false);
    expect(!empty.ok && empty.message).toContain('택배사와 송장번호');
    expect(checkShipment('한진택배', '', true).ok).toBe(false);
    expect(checkShipment('한진택배', '123456789012', true)).toEqual({
      ok: true,
      shipment: { courier: '한진택배', trackingNumber: '123456789012' },
    });
  });

  it('refuses what cannot be a tracking number (other characters, more than 40)', () => {
    expect(checkShipment('CJ대한통운', '12/34', false).ok).toBe(false);
    expect(checkShipment('CJ대한통운', '1'.repeat(41), false).ok).toBe(false);
    expect(checkShipment('CJ대한통운', '1'.repeat(40), false).ok).toBe(true);
  });
});

describe('shipmentText', () => {
  const at = '2026-12-01T12:05:00+00:00';
  it('says courier, tracking number and date of a shipped line', () => {
    expect(shipmentText({ shipped: true, courier: 'CJ대한통운', trackingNumber: '123', shippedAt: at })).toBe(
      `발송됨 · CJ대한통운 123 · ${formatDateTime(at)}`,
    );
    expect(shipmentText({ shipped: true, courier: '', trackingNumber: '', shippedAt: null })).toBe('발송됨');
    expect(shipmentText({ shipped: false, courier: 'CJ대한통운', trackingNumber: '1' })).toBe('');
  });
});

describe('escrow', () => {
  it('is offered only for an order the server marked eligible', () => {
    expect(escrowOffered({ escrowEligible: true })).toBe(true);
    expect(escrowOffered({ escrowEligible: false })).toBe(false);
    expect(escrowOffered({})).toBe(false);
    expect(escrowOffered(null)).toBe(false);
  });

  it('says the registration state in Korean, with the error code when it failed', () => {
    expect(escrowStatusText('pending')).toBe('등록 대기');
    expect(escrowStatusText('registered')).toBe('등록 완료');
    expect(escrowStatusText('failed')).toBe('등록 실패');
    expect(escrowStateText(null)).toBeNull();
    expect(escrowStateText({ status: 'pending' })).toBe('배송 등록: 등록 대기');
    expect(escrowStateText({ status: 'failed', errorCode: 'RC_NOT_ESCROW' })).toBe('배송 등록: 등록 실패 (RC_NOT_ESCROW)');
    const at = '2026-12-01T12:05:00+00:00';
    expect(escrowStateText({ status: 'registered', registeredAt: at })).toBe(`배송 등록: 등록 완료 (${formatDateTime(at)})`);
  });
});

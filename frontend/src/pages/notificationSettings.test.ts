/** 알림 설정: what a save sends, how its refusals read, and the page's form and status region. */
import { beforeEach, describe, expect, it, vi } from 'vitest';

const api = vi.hoisted(() => ({
  fetchMe: vi.fn(),
  fetchMyNotificationPreferences: vi.fn(),
  updateNotificationPreferences: vi.fn(),
}));
vi.mock('../api/backend', () => api);

import { ApiError } from '../api/client';
import { setMe } from '../session';
import {
  PHONE_ERROR_TEXT,
  SAVED_TEXT,
  legalNoticeText,
  notificationSettingsPage,
  preferenceChanges,
  saveErrorText,
} from './notificationSettings';

const PREFS = {
  language: 'ko',
  emailOptOut: false,
  alimtalkOptOut: false,
  phoneMasked: '010-****-5678' as string | null,
  alwaysSent: ['subscription.price_change_pending', 'subscription.upcoming_charge'],
};

const FORM = { language: 'ko', email: true, alimtalk: true, phone: '', removePhone: false };

beforeEach(() => {
  for (const fn of Object.values(api)) fn.mockReset();
});

describe('preferenceChanges', () => {
  it('sends nothing when nothing changed', () => {
    expect(preferenceChanges(PREFS, FORM)).toEqual({});
  });

  it('sends the language and the channels as opt-outs', () => {
    expect(preferenceChanges(PREFS, { ...FORM, language: 'en', email: false })).toEqual({
      language: 'en',
      emailOptOut: true,
    });
    expect(preferenceChanges({ ...PREFS, alimtalkOptOut: true }, FORM)).toEqual({ alimtalkOptOut: false });
  });

  it('sends a new number trimmed; a blank one keeps the saved number; removal sends ""', () => {
    expect(preferenceChanges(PREFS, { ...FORM, phone: ' 010-1234-5678 ' })).toEqual({ phone: '010-1234-5678' });
    expect(preferenceChanges(PREFS, { ...FORM, removePhone: true })).toEqual({ phone: '' });
    expect(preferenceChanges({ ...PREFS, phoneMasked: null }, { ...FORM, removePhone: true })).toEqual({});
  });
});

describe('saveErrorText', () => {
  it('names a refused phone number', () => {
    const error = new ApiError('validation_error', 'Invalid input.', {}, [{ field: 'phone', messages: ['no'] }]);
    expect(saveErrorText(error)).toBe(PHONE_ERROR_TEXT);
  });

  it("reads a known code in Korean and keeps the server's message for an unknown one", () => {
    expect(saveErrorText(new ApiError('not_authenticated', 'x'))).toContain('로그인이 필요합니다');
    expect(saveErrorText(new ApiError('something_new', '서버의 설명'))).toContain('서버의 설명');
  });
});

it('names the legal notices in Korean', () => {
  expect(legalNoticeText('subscription.upcoming_charge')).toBe('무료 체험 후 첫 결제 7일 전 안내');
  expect(legalNoticeText('subscription.price_change_pending')).toBe('구독 가격 인상 동의 요청');
});

async function render(prefs = PREFS) {
  setMe({ username: 'buyer', isStaff: false, isSeller: false });
  api.fetchMyNotificationPreferences.mockResolvedValue(prefs);
  const root = document.createElement('div');
  document.body.replaceChildren(root);
  await notificationSettingsPage(root, new URL('http://localhost/settings/notifications'));
  const input = (id: string) => root.querySelector<HTMLInputElement>(`#${id}`)!;
  const submit = async () => {
    root.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await vi.waitFor(() => expect(root.querySelector('button[type=submit]')!.hasAttribute('disabled')).toBe(false));
  };
  return { root, input, submit, status: root.querySelector('[role=status]')! };
}

describe('the page', () => {
  it('shows the saved preferences in labelled groups and the always-sent notices', async () => {
    const { root, input } = await render();
    const legends = [...root.querySelectorAll('legend')].map((l) => l.textContent);
    expect(legends).toEqual(['알림 언어', '알림 받는 방법', '알림톡 받을 휴대폰 번호']);
    expect(input('notify-language-ko').checked).toBe(true);
    expect(input('notify-email').checked).toBe(true);
    expect(root.querySelector('label[for=notify-phone]')!.textContent).toBe('새 휴대폰 번호');
    expect(root.textContent).toContain('등록된 번호: 010-****-5678');
    const legal = root.querySelector('.legal-notices')!.textContent;
    expect(legal).toContain('무료 체험 후 첫 결제 7일 전 안내');
    expect(legal).toContain('구독 가격 인상 동의 요청');
    expect(legal).toContain('항상');
  });

  it('saves the changes and announces 저장했습니다', async () => {
    const { input, submit, status } = await render();
    api.updateNotificationPreferences.mockResolvedValue({ ...PREFS, language: 'en', emailOptOut: true });
    input('notify-language-en').checked = true;
    input('notify-email').checked = false;
    await submit();
    expect(api.updateNotificationPreferences).toHaveBeenCalledWith({ language: 'en', emailOptOut: true });
    expect(status.textContent).toBe(SAVED_TEXT);
  });

  it('marks a refused number and says why in an alert', async () => {
    const { root, input, submit, status } = await render();
    api.updateNotificationPreferences.mockRejectedValue(
      new ApiError('validation_error', 'Invalid input.', {}, [{ field: 'phone', messages: ['no'] }]),
    );
    input('notify-phone').value = '12';
    await submit();
    expect(api.updateNotificationPreferences).toHaveBeenCalledWith({ phone: '12' });
    expect(input('notify-phone').getAttribute('aria-invalid')).toBe('true');
    expect(root.querySelector('[role=alert]')!.textContent).toBe(PHONE_ERROR_TEXT);
    expect(status.textContent).toBe('');
  });
});

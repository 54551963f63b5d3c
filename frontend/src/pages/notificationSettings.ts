import {
  fetchMyNotificationPreferences,
  updateNotificationPreferences,
  type NotificationPreferences,
  type NotificationPreferencesChanges,
} from '../api/backend';
import { ApiError } from '../api/client';
import { GENERIC_ERROR } from '../checkout/messages';
import { h } from '../dom';
import { navigate } from '../router';
import { getMe, loginPath } from '../session';
import { alertSlot, errorMessage, pageHeading, statusRegion } from './common';

export const SAVED_TEXT = '저장했습니다.';

/** The legal notices (`alwaysSent`) in the buyer's words; they go out whatever the opt-outs say. */
const LEGAL_NOTICE_TEXT: Record<string, string> = {
  'subscription.upcoming_charge': '무료 체험 후 첫 결제 7일 전 안내',
  'subscription.price_change_pending': '구독 가격 인상 동의 요청',
};

export const legalNoticeText = (type: string): string => LEGAL_NOTICE_TEXT[type] ?? type;

export const PHONE_ERROR_TEXT = '휴대폰 번호가 올바르지 않습니다. 010으로 시작하는 휴대폰 번호를 입력해 주세요.';

/** What the form says: channels as "on" (the server stores opt-outs), a new number, or the number's removal. */
export interface PreferencesForm {
  language: string;
  email: boolean;
  alimtalk: boolean;
  /** A new 알림톡 number; blank keeps the saved one. */
  phone: string;
  removePhone: boolean;
}

/** Only what differs from `current`: the mutation leaves the rest as it is. */
export function preferenceChanges(current: NotificationPreferences, form: PreferencesForm): NotificationPreferencesChanges {
  const changes: NotificationPreferencesChanges = {};
  if (form.language !== current.language) changes.language = form.language;
  if (form.email === current.emailOptOut) changes.emailOptOut = !form.email;
  if (form.alimtalk === current.alimtalkOptOut) changes.alimtalkOptOut = !form.alimtalk;
  const phone = form.phone.trim();
  if (phone) changes.phone = phone;
  else if (form.removePhone && current.phoneMasked) changes.phone = '';
  return changes;
}

/** Did the server refuse the phone number (validation_error naming `phone`)? */
export const isPhoneError = (error: unknown): boolean =>
  error instanceof ApiError && error.code === 'validation_error' && error.fields.some((f) => f.field === 'phone');

/** The text of a failed save: by the payload's `code`; a code we have no text for keeps the server's message. */
export function saveErrorText(error: unknown): string {
  if (isPhoneError(error)) return PHONE_ERROR_TEXT;
  const known = errorMessage(error);
  if (known === GENERIC_ERROR && error instanceof ApiError && error.message) return `${known} (${error.message})`;
  return known;
}

/** /settings/notifications (linked from every notice's footer): language, email and 알림톡 on/off, the number. */
export async function notificationSettingsPage(root: HTMLElement, url: URL): Promise<void> {
  if (!(await getMe())) return navigate(loginPath(url.pathname), { replace: true });
  pageHeading(root, '알림 설정');
  const status = statusRegion();
  const alert = alertSlot();
  root.append(h('p', null, '주문·결제·구독 알림을 받을 언어와 방법을 정합니다.'), status, alert.el);
  status.textContent = '알림 설정을 불러오는 중입니다…';
  let current: NotificationPreferences;
  try {
    current = await fetchMyNotificationPreferences();
  } catch (error) {
    status.textContent = '';
    alert.show(errorMessage(error));
    return;
  }
  status.textContent = '';
  root.append(preferencesForm(current, status, alert));
}

function radio(name: string, value: string, checked: boolean, label: string, lang?: string): HTMLElement {
  const id = `${name}-${value}`;
  return h(
    'div',
    { className: 'choice' },
    h('input', { type: 'radio', id, name, value, checked }),
    h('label', { for: id, lang }, label),
  );
}

function checkbox(id: string, checked: boolean, label: string, describedBy?: string): [HTMLInputElement, HTMLElement] {
  const input = h('input', { type: 'checkbox', id, name: id, checked, 'aria-describedby': describedBy });
  return [input, h('div', { className: 'choice' }, input, h('label', { for: id }, label))];
}

export function preferencesForm(
  initial: NotificationPreferences,
  status: HTMLElement,
  alert: { show(message: string | null): void },
): HTMLFormElement {
  let current = initial;
  const [email, emailRow] = checkbox('notify-email', !current.emailOptOut, '이메일로 알림 받기');
  const [alimtalk, alimtalkRow] = checkbox('notify-alimtalk', !current.alimtalkOptOut, '알림톡으로 알림 받기');
  const savedPhone = h('p', { id: 'notify-phone-saved' });
  const phoneError = h('p', { id: 'notify-phone-error', className: 'field-error' });
  const phone = h('input', {
    id: 'notify-phone',
    name: 'phone',
    type: 'tel',
    inputmode: 'tel',
    autocomplete: 'tel-national',
    'aria-describedby': 'notify-phone-saved notify-phone-hint notify-phone-error',
  });
  const [removePhone, removePhoneRow] = checkbox('notify-phone-remove', false, '등록된 번호 삭제');
  const submit = h('button', { type: 'submit', className: 'primary' }, '저장');

  const showSaved = () => {
    savedPhone.textContent = current.phoneMasked ? `등록된 번호: ${current.phoneMasked}` : '등록된 번호가 없습니다.';
    removePhoneRow.hidden = !current.phoneMasked;
    removePhone.checked = false;
    phone.value = '';
  };
  showSaved();

  const legalHeadingId = 'notify-legal-heading';
  const form = h(
    'form',
    { className: 'notification-settings', novalidate: true, 'aria-label': '알림 설정' },
    h(
      'fieldset',
      null,
      h('legend', null, '알림 언어'),
      radio('notify-language', 'ko', current.language !== 'en', '한국어'),
      radio('notify-language', 'en', current.language === 'en', 'English', 'en'),
    ),
    h('fieldset', null, h('legend', null, '알림 받는 방법'), emailRow, alimtalkRow),
    h(
      'fieldset',
      null,
      h('legend', null, '알림톡 받을 휴대폰 번호'),
      savedPhone,
      h('div', { className: 'field' }, h('label', { for: 'notify-phone' }, '새 휴대폰 번호'), phone),
      h('p', { id: 'notify-phone-hint', className: 'hint' }, '바꿀 때만 입력하세요. 비워 두면 등록된 번호를 그대로 씁니다.'),
      phoneError,
      removePhoneRow,
    ),
    h(
      'section',
      { className: 'legal-notices', 'aria-labelledby': legalHeadingId },
      h('h2', { id: legalHeadingId }, '항상 보내는 안내'),
      h(
        'p',
        null,
        '아래 안내는 법에 따라 꼭 보내야 하는 안내라서, 이메일·알림톡을 끄더라도 등록된 연락처로 항상 보내 드립니다.',
      ),
      h('ul', null, current.alwaysSent.map((type) => h('li', null, legalNoticeText(type)))),
    ),
    h('div', { className: 'actions' }, submit),
  );

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const language = (form.querySelector('input[name="notify-language"]:checked') as HTMLInputElement | null)?.value;
    const changes = preferenceChanges(current, {
      language: language ?? current.language,
      email: email.checked,
      alimtalk: alimtalk.checked,
      phone: phone.value,
      removePhone: removePhone.checked,
    });
    alert.show(null);
    phone.removeAttribute('aria-invalid');
    phoneError.textContent = '';
    status.textContent = '';
    submit.disabled = true;
    try {
      if (Object.keys(changes).length > 0) current = await updateNotificationPreferences(changes);
      showSaved();
      status.textContent = SAVED_TEXT;
    } catch (error) {
      const text = saveErrorText(error);
      if (isPhoneError(error)) {
        phone.setAttribute('aria-invalid', 'true');
        phoneError.textContent = text;
        phone.focus();
      }
      alert.show(text);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

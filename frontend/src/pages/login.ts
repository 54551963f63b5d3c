import { login } from '../api/backend';
import { h } from '../dom';
import { navigate } from '../router';
import { safeNext, setMe } from '../session';
import { alertSlot, errorCode, errorMessage, pageHeading } from './common';

export function loginPage(root: HTMLElement, url: URL): void {
  pageHeading(root, '로그인');
  const alert = alertSlot();
  const username = h('input', { id: 'login-username', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', {
    id: 'login-password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const submit = h('button', { type: 'submit', className: 'primary' }, '로그인');
  const form = h(
    'form',
    { className: 'login-form', novalidate: true },
    h('div', { className: 'field' }, h('label', { for: 'login-username' }, '아이디'), username),
    h('div', { className: 'field' }, h('label', { for: 'login-password' }, '비밀번호'), password),
    alert.el,
    submit,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!username.value || !password.value) {
      alert.show('아이디와 비밀번호를 입력해 주세요.');
      return;
    }
    submit.disabled = true;
    alert.show(null);
    try {
      const user = await login(username.value, password.value);
      setMe(user);
      navigate(safeNext(url.searchParams.get('next')), { replace: true });
    } catch (error) {
      alert.show(
        errorCode(error) === 'not_authenticated' || errorCode(error) === 'validation_error'
          ? '아이디 또는 비밀번호가 올바르지 않습니다.'
          : errorMessage(error),
      );
      submit.disabled = false;
      password.select();
    }
  });
  root.append(form);
}

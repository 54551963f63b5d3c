import {
  confirmPayment,
  createOrder,
  fetchCheckoutConfig,
  fetchOrder,
  verifyPayment,
} from '../api/backend';
import { clearCart, readCart, type CartLine } from '../cart';
import { cashReceiptForm, type CashReceiptForm } from '../cashReceipt/form';
import {
  type CashReceiptChoice,
  cashReceiptTypeText,
  CHECKOUT_NOTES,
  maskIdentifier,
  SELF_ISSUE_THRESHOLD,
} from '../cashReceipt/rules';
import { CheckoutMachine, type CheckoutDeps, type CheckoutOrder, type CheckoutState } from '../checkout/machine';
import { h, replace } from '../dom';
import { createPaymentWidget, preferredOpenType, RETURN_PATH } from '../payment';
import { outcomeFromQuery } from '../payment/outcome';
import { navigate } from '../router';
import { ESCROW_LABEL, escrowOffered } from '../shipping';
import { getMe, loginPath } from '../session';
import { adultStep } from './adult';
import { alertSlot, pageHeading, statusRegion } from './common';
import { orderSummary, virtualAccountView } from './views';

export const liveDeps: CheckoutDeps = {
  createOrder,
  loadOrder: fetchOrder,
  checkoutConfig: fetchCheckoutConfig,
  verifyPayment,
  confirmPayment,
  createWidget: createPaymentWidget,
  openType: preferredOpenType,
  redirectUrl: () => `${window.location.origin}${RETURN_PATH}`,
};

interface View {
  summary: HTMLElement;
  /** The 현금영수증 chosen for the order, once the order exists (read-only here; 내 주문 changes it). */
  cashReceipt: HTMLElement;
  widget: HTMLDivElement;
  payButton: HTMLButtonElement;
  result: HTMLElement;
  status: HTMLParagraphElement;
  alert: ReturnType<typeof alertSlot>;
  escrow: EscrowChoice;
  adult: HTMLElement;
}

interface EscrowChoice {
  el: HTMLFieldSetElement;
  input: HTMLInputElement;
}

/** 에스크로(구매안전) 결제: a checkbox above the widget, shown only for an order the server marked escrowEligible. */
function escrowChoice(): EscrowChoice {
  const input = h('input', { type: 'checkbox', name: 'escrow', 'aria-describedby': 'escrow-hint' });
  const el = h(
    'fieldset',
    { className: 'card escrow-choice', hidden: true },
    h('legend', null, '구매안전 서비스'),
    h('label', null, input, ' ', ESCROW_LABEL),
    h(
      'p',
      { id: 'escrow-hint', className: 'hint' },
      '결제 대금을 결제사가 보관하고, 판매자가 발송을 등록한 뒤 구매를 확정하면 판매자에게 지급합니다.',
    ),
  );
  return { el, input };
}

function renderEscrowChoice(choice: EscrowChoice, state: CheckoutState, choosable: boolean): void {
  const running = state.phase === 'paying' || state.phase === 'verifying';
  choice.el.hidden = !escrowOffered(state.order) || !(choosable || running);
  choice.input.checked = state.escrow;
  // Fixed once a payment runs: the receipt is escrow or not from the window on.
  choice.input.disabled = !choosable;
}

function buildView(root: HTMLElement, title: string): View {
  pageHeading(root, title);
  const view: View = {
    summary: h('section', { 'aria-label': '주문 정보', className: 'card' }),
    cashReceipt: h('section', { 'aria-labelledby': 'cash-receipt-summary-heading', className: 'card cash-receipt-summary', hidden: true }),
    widget: h('div', { id: 'bootpay-widget', className: 'widget' }),
    payButton: h('button', { type: 'button', className: 'primary pay', disabled: true }, '결제하기'),
    result: h('section', { className: 'result', 'aria-label': '결제 결과' }),
    status: statusRegion(),
    alert: alertSlot(),
    escrow: escrowChoice(),
    adult: h('section', { className: 'card adult-step', 'aria-label': '성인 인증', hidden: true }),
  };
  // The status and the alert first, as on the other pages: the order's summary and 현금영수증 fill in after the
  // order loads, and anything drawn below them would be pushed down the page (a layout shift).
  root.append(
    view.status,
    view.alert.el,
    view.summary,
    view.cashReceipt,
    view.adult,
    view.escrow.el,
    view.widget,
    view.payButton,
    view.result,
  );
  return view;
}

function render(view: View, state: CheckoutState, canPay: boolean, withWidget = true): void {
  if (state.order) replace(view.summary, h('h2', null, '주문 정보'), orderSummary(state.order));
  if (view.status.textContent !== state.status) view.status.textContent = state.status;
  view.alert.show(state.error?.message ?? null);
  const payable = withWidget && (state.phase === 'ready' || state.phase === 'paying' || state.phase === 'verifying');
  view.payButton.hidden = !payable;
  view.payButton.disabled = !canPay;
  view.payButton.setAttribute('aria-busy', String(state.phase === 'paying' || state.phase === 'verifying'));
  view.widget.hidden = !payable;

  if (state.phase === 'paid' && state.payment) {
    replace(
      view.result,
      h('h2', null, '결제가 완료되었습니다'),
      h('p', null, '주문 내역은 내 주문에서 볼 수 있습니다.'),
      h('p', null, h('a', { href: '/orders/' }, '내 주문 보기')),
    );
  } else if (state.phase === 'issued' && state.payment?.virtualAccount) {
    replace(
      view.result,
      h('h2', null, '가상계좌가 발급되었습니다'),
      h('p', null, '입금 기한까지 아래 계좌로 주문 금액 전액을 입금해 주세요.'),
      virtualAccountView(state.payment.virtualAccount),
      h('p', null, h('a', { href: '/orders/' }, '내 주문 보기')),
    );
  } else if (state.phase === 'blocked' && state.order?.status === 'pending_payment' && state.order.orderId) {
    // e.g. the return page after a closed window: pay the same order again.
    replace(
      view.result,
      h('p', null, h('a', { href: `/checkout/?order=${encodeURIComponent(state.order.orderId)}` }, '다시 결제하기')),
    );
  } else {
    view.result.replaceChildren();
  }
}

/**
 * The order's 현금영수증 as the checkout knows it: the server's (`order.cashReceipt`), else what the buyer chose
 * on this page a moment ago, else none. Read-only: after payment 내 주문 requests or changes it.
 */
function renderCashReceiptSummary(el: HTMLElement, order: CheckoutOrder | null, chosen: CashReceiptChoice | null): void {
  if (!order) {
    el.hidden = true;
    return;
  }
  const server = order.cashReceipt;
  const type = server?.type ?? chosen?.type ?? 'none';
  const masked = server?.identifierMasked ?? (chosen && chosen.identifier ? maskIdentifier(chosen.identifier) : '');
  const requested = type !== 'none';
  const selfIssue = !requested && (order.totalAmount ?? 0) >= SELF_ISSUE_THRESHOLD;
  el.hidden = false;
  replace(
    el,
    h('h2', { id: 'cash-receipt-summary-heading' }, '현금영수증'),
    h(
      'dl',
      { className: 'facts' },
      h('dt', null, '발급 유형'),
      h('dd', null, requested ? cashReceiptTypeText(type) : '신청 안 함'),
      requested && masked && [h('dt', null, '발급 번호'), h('dd', null, masked)],
    ),
    h('p', { className: 'hint' }, CHECKOUT_NOTES.appliesTo),
    requested && h('p', { className: 'hint' }, CHECKOUT_NOTES.issuedAfterDeposit),
    selfIssue && h('p', { className: 'hint' }, CHECKOUT_NOTES.selfIssue),
    h('p', { className: 'hint' }, CHECKOUT_NOTES.changeLater),
  );
}

interface OrderForm {
  el: HTMLFormElement;
  cashReceipt: CashReceiptForm;
  submit: HTMLButtonElement;
}

/**
 * The step before the order exists (coming from the cart): what will be ordered and the 현금영수증 choice,
 * which createOrder carries. The payment method is picked afterwards, in the payment window, so the
 * section is always shown, with a note that it applies to 가상계좌 and 계좌이체 only.
 */
function orderForm(lines: CartLine[]): OrderForm {
  const cashReceipt = cashReceiptForm({
    idPrefix: 'checkout',
    legend: '현금영수증',
    allowNone: true,
    notes: [CHECKOUT_NOTES.appliesTo, CHECKOUT_NOTES.selfIssue],
  });
  const submit = h('button', { type: 'submit', className: 'primary' }, '다음: 결제 수단 선택');
  const el = h(
    'form',
    { className: 'order-form', 'aria-labelledby': 'order-form-heading', novalidate: true },
    h(
      'section',
      { className: 'card', 'aria-labelledby': 'order-form-heading' },
      h('h2', { id: 'order-form-heading' }, '주문 상품'),
      h(
        'ul',
        { className: 'lines' },
        lines.map((line) => h('li', { className: 'line' }, h('span', null, line.name), h('span', null, ` × ${line.quantity}`))),
      ),
      h('p', { className: 'hint' }, '결제 금액은 주문을 만든 뒤 서버가 계산한 금액으로 확정됩니다.'),
    ),
    cashReceipt.el,
    submit,
  );
  return { el, cashReceipt, submit };
}

export async function checkoutPage(root: HTMLElement, url: URL): Promise<() => void> {
  const me = await getMe();
  if (!me) {
    navigate(loginPath(url.pathname + url.search), { replace: true });
    return () => {};
  }
  const view = buildView(root, '주문 결제');
  const machine = new CheckoutMachine(liveDeps);
  const cart = readCart();
  const items = cart.map((line) => ({ productId: line.productId, quantity: line.quantity }));
  let chosen: CashReceiptChoice | null = null;
  let form: OrderForm | null = null;
  let verifyingAdult = false;
  machine.subscribe((state) => {
    // An adult-only product and no live adult verification: the server refused the order before reserving
    // anything. Verify (성인 인증), then order again (with the same 현금영수증 choice).
    if (state.error?.code === 'adult_verification_required' && !verifyingAdult && items.length > 0) {
      verifyingAdult = true;
      void adultStep(view.adult).then(() => {
        verifyingAdult = false;
        void machine.start({ items, cashReceipt: chosen }, view.widget);
      });
    }
    render(view, state, machine.canPay);
    renderEscrowChoice(view.escrow, state, machine.escrowChoosable);
    renderCashReceiptSummary(view.cashReceipt, state.order, chosen);
    if (form && state.order) {
      form.el.remove(); // the order exists: its 현금영수증 is shown read-only above
      form = null;
    } else if (form && state.phase === 'blocked' && !verifyingAdult) {
      // createOrder refused: the buyer may correct the form (e.g. the identifier) and send it again.
      form.cashReceipt.setDisabled(false);
      form.submit.disabled = false;
      if (state.error && form.cashReceipt.showServerError(state.error.code)) view.alert.show(null);
    }
    // The order exists now: a reload resumes it instead of ordering again.
    if (state.order && url.searchParams.get('order') !== state.order.orderId) {
      url.searchParams.set('order', state.order.orderId);
      window.history.replaceState(null, '', url.pathname + url.search);
      clearCart();
    }
    if (state.error?.code === 'not_authenticated') navigate(loginPath(url.pathname + url.search), { replace: true });
  });
  view.payButton.addEventListener('click', () => void machine.pay());
  view.escrow.input.addEventListener('change', () => machine.setEscrow(view.escrow.input.checked));

  const orderId = url.searchParams.get('order');
  if (orderId) {
    void machine.start({ orderId }, view.widget);
  } else if (items.length > 0) {
    const step = orderForm(cart);
    form = step;
    view.status.textContent = '현금영수증을 확인한 뒤 다음을 눌러 주세요.';
    view.payButton.hidden = true;
    view.widget.hidden = true;
    view.summary.hidden = true;
    view.summary.before(step.el);
    step.el.addEventListener('submit', (event) => {
      event.preventDefault();
      if (step.submit.disabled) return; // one order per submit (a second Enter while it is created)
      const choice = step.cashReceipt.read();
      if (!choice) return;
      chosen = choice;
      step.cashReceipt.setDisabled(true);
      step.submit.disabled = true;
      view.summary.hidden = false;
      void machine.start({ items, cashReceipt: choice }, view.widget);
    });
  } else {
    view.status.textContent = '';
    replace(view.result, h('p', null, '장바구니가 비어 있습니다. '), h('p', null, h('a', { href: '/' }, '상점으로 가기')));
    view.payButton.hidden = true;
    view.widget.hidden = true;
  }
  return () => machine.dispose();
}

/** /checkout/return?receipt_id=…&order_id=…&event=…: the redirect flavour comes back here. */
export async function checkoutReturnPage(root: HTMLElement, url: URL): Promise<() => void> {
  const me = await getMe();
  if (!me) {
    navigate(loginPath(url.pathname + url.search), { replace: true });
    return () => {};
  }
  const view = buildView(root, '결제 결과');
  const machine = new CheckoutMachine(liveDeps);
  machine.subscribe((state) => render(view, state, false, false));
  void machine.returnFrom(outcomeFromQuery(url.searchParams));
  return () => machine.dispose();
}

/** Typed calls the pages use: one function per operation, payload unions unwrapped into values or ApiError. */
import { gql, unwrap } from './client';
import {
  CancelOrderMutation,
  CancelPaymentMutation,
  CancelSubscriptionMutation,
  CheckoutConfigQuery,
  ConfirmPaymentMutation,
  ConsentToPriceChangeMutation,
  CreateOrderMutation,
  LoginMutation,
  LogoutMutation,
  MarkItemShippedMutation,
  MeQuery,
  MyBillingKeysQuery,
  MyIdentityQuery,
  MyNotificationPreferencesQuery,
  MyOrdersQuery,
  MySubscriptionsQuery,
  OrderQuery,
  ProductsQuery,
  RefundAccountRulesQuery,
  RegisterBillingKeyMutation,
  RequestBillingKeyMutation,
  RequestCashReceiptMutation,
  SellerOrdersQuery,
  SubscribableProductQuery,
  SubscribeMutation,
  UpdateNotificationPreferencesMutation,
  VerifyIdentityMutation,
  VerifyPaymentMutation,
} from './operations';

export const fetchMe = async () => (await gql(MeQuery)).me ?? null;

export const login = async (username: string, password: string) =>
  unwrap((await gql(LoginMutation, { username, password })).login).user;

export const logout = async () => (await gql(LogoutMutation)).logout.ok;

export const fetchProducts = async () => (await gql(ProductsQuery)).products.edges.map((edge) => edge.node);

export const fetchCheckoutConfig = async () => (await gql(CheckoutConfigQuery)).checkoutConfig;

/** The banks a virtual-account refund goes to and the account number's limits (checkoutConfig). */
export const fetchRefundAccountRules = async () => {
  const config = (await gql(RefundAccountRulesQuery)).checkoutConfig;
  return { banks: config.refundBanks, rule: config.refundAccountRule };
};

export const fetchOrder = async (orderId: string) => (await gql(OrderQuery, { orderId })).order ?? null;

/**
 * The buyer's 현금영수증 choice goes with the order (DESIGN: `cash_receipt: {type, identifier}`). 신청 안 함 sends
 * no `cashReceipt` at all: the same for the server as `{type: 'none'}` (nothing requested; 자진발급 still
 * applies), and an order without one stays valid for a backend that does not know the field.
 */
export const createOrder = async (
  items: { productId: string; quantity: number }[],
  cashReceipt: { type: string; identifier: string } | null = null,
) => {
  const input =
    cashReceipt && cashReceipt.type !== 'none'
      ? { items, cashReceipt: { type: cashReceipt.type, identifier: cashReceipt.identifier } }
      : { items };
  return unwrap((await gql(CreateOrderMutation, { input })).createOrder).order;
};

/** Requests (or changes: cancel and re-issue) the 현금영수증 of a paid cash-like order; then reload the order. */
export const requestCashReceipt = async (orderId: string, type: string, identifier: string): Promise<void> => {
  unwrap((await gql(RequestCashReceiptMutation, { orderId, type, identifier })).requestCashReceipt);
};

export const verifyPayment = async (orderId: string, receiptId: string) =>
  unwrap((await gql(VerifyPaymentMutation, { orderId, receiptId })).verifyPayment).payment;

export const confirmPayment = async (paymentId: string) =>
  unwrap((await gql(ConfirmPaymentMutation, { paymentId })).confirmPayment).payment;

export const cancelOrder = async (orderId: string) =>
  unwrap((await gql(CancelOrderMutation, { orderId })).cancelOrder).order;

export const cancelPayment = async (args: {
  paymentId: string;
  reason: string;
  idempotencyKey: string;
  itemIds: string[];
  /** Where a deposited virtual account's money goes back (Bootpay needs it to refund one). */
  refund?: { bankCode: string; bankAccount: string; bankUsername: string };
}) => unwrap((await gql(CancelPaymentMutation, args)).cancelPayment).cancellation;

export const fetchMyOrders = async () => (await gql(MyOrdersQuery)).myOrders.edges.map((edge) => edge.node);

export const fetchSellerOrders = async () =>
  (await gql(SellerOrdersQuery)).sellerOrders.edges.map((edge) => edge.node);

/** Marks a line shipped; with a courier and tracking number (required for an escrow payment: both or neither). */
export const markItemShipped = async (
  orderId: string,
  itemId: string,
  shipment: { courier: string; trackingNumber: string } | null = null,
) =>
  unwrap(
    (
      await gql(MarkItemShippedMutation, {
        orderId,
        itemId,
        ...(shipment ? { courier: shipment.courier, trackingNumber: shipment.trackingNumber } : {}),
      })
    ).markItemShipped,
  ).item;

export const fetchSubscribableProduct = async (id: string) =>
  (await gql(SubscribableProductQuery, { id })).product ?? null;

export const fetchMyBillingKeys = async () =>
  (await gql(MyBillingKeysQuery)).myBillingKeys.edges.map((edge) => edge.node);

export const fetchMySubscriptions = async () =>
  (await gql(MySubscriptionsQuery)).mySubscriptions.edges.map((edge) => edge.node);

export const requestBillingKey = async () => unwrap((await gql(RequestBillingKeyMutation)).requestBillingKey);

export const registerBillingKey = async (receiptId: string) =>
  unwrap((await gql(RegisterBillingKeyMutation, { receiptId })).registerBillingKey).billingKey;

export const subscribe = async (productId: string, billingKeyId: string) =>
  unwrap((await gql(SubscribeMutation, { productId, billingKeyId })).subscribe).subscription;

export const cancelSubscription = async (subscriptionId: string) =>
  unwrap((await gql(CancelSubscriptionMutation, { subscriptionId })).cancelSubscription).subscription;

/** The buyer consents to their subscription's pending price increase (전자상거래법 §13⑥). Idempotent. */
export const consentToPriceChange = async (subscriptionId: string) =>
  unwrap((await gql(ConsentToPriceChangeMutation, { subscriptionId })).consentToPriceChange).subscription;

/** The caller's identity verification (본인인증) state; null when signed out. */
export const fetchMyIdentity = async () => (await gql(MyIdentityQuery)).me?.identity ?? null;

/** Hand the receipt of Bootpay's requestAuthentication to the server, which reads and judges it. */
export const verifyIdentity = async (receiptId: string) =>
  unwrap((await gql(VerifyIdentityMutation, { receiptId })).verifyIdentity).verification;

/** The caller's notification preferences (language, opt-outs, masked 알림톡 number, the legal notices). */
export const fetchMyNotificationPreferences = async () =>
  (await gql(MyNotificationPreferencesQuery)).myNotificationPreferences;

/** Change the given preferences (left out: unchanged); `phone: ''` removes the number. */
export const updateNotificationPreferences = async (changes: NotificationPreferencesChanges) =>
  unwrap((await gql(UpdateNotificationPreferencesMutation, changes)).updateNotificationPreferences)
    .notificationPreferences;

export type Product = Awaited<ReturnType<typeof fetchProducts>>[number];
export type Order = NonNullable<Awaited<ReturnType<typeof fetchOrder>>>;
export type Payment = Order['payments'][number];
export type OrderCashReceipt = NonNullable<Order['cashReceipt']>;
export type SellerOrder = Awaited<ReturnType<typeof fetchSellerOrders>>[number];
export type Me = NonNullable<Awaited<ReturnType<typeof fetchMe>>>;
export type BillingCard = Awaited<ReturnType<typeof fetchMyBillingKeys>>[number];
export type MySubscription = Awaited<ReturnType<typeof fetchMySubscriptions>>[number];
export type SubscribableProduct = NonNullable<Awaited<ReturnType<typeof fetchSubscribableProduct>>>;
export type NotificationPreferences = Awaited<ReturnType<typeof fetchMyNotificationPreferences>>;
export interface NotificationPreferencesChanges {
  language?: string;
  emailOptOut?: boolean;
  alimtalkOptOut?: boolean;
  phone?: string;
}

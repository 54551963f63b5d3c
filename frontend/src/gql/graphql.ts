/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** 현금영수증 for a virtual-account or bank-transfer payment (REST's `cash_receipt`). */
export type CashReceiptInput = {
  /** Phone, cash receipt card or business registration number; not for none. */
  identifier?: string | null | undefined;
  /** income_deduction | expense_proof | none */
  type?: string | null | undefined;
};

export type CreateOrderInput = {
  /** Issued once the money arrives (cash-like methods only). */
  cashReceipt?: CashReceiptInput | null | undefined;
  items: Array<OrderLineInput>;
};

export type OrderLineInput = {
  productId: string | number;
  quantity: number;
};

/** Where a deposited virtual account's money goes back (needed to refund one). */
export type RefundAccountInput = {
  /** Account number; hyphens and spaces are dropped (checkoutConfig.refundAccountRule). */
  bankAccount: string;
  /** One of checkoutConfig.refundBanks' codes, e.g. 004. */
  bankCode: string;
  /** Account holder's name. */
  bankUsername: string;
};

type ErrorFields_InputError_Fragment = { code: string, message: string, fields: Array<{ field: string, messages: Array<string> }> };

type ErrorFields_OperationError_Fragment = { code: string, message: string };

export type ErrorFieldsFragment =
  | ErrorFields_InputError_Fragment
  | ErrorFields_OperationError_Fragment
;

export type PaymentFieldsFragment = { paymentId: string, receiptId: string, status: string, amount: number, taxFreeAmount: number, cancelledAmount: number, cancellableAmount: number, method: string, methodName: string, createdAt: string, virtualAccount: { bankCode: string, bankName: string, accountNumber: string, holder: string, dueAt: string | null } | null, actions: { cancel: boolean, partialCancel: boolean, lineCancel: boolean, refundAccountRequired: boolean, reasons: Array<{ action: string, code: string, message: string }> } };

export type PaymentActionsFieldsFragment = { cancel: boolean, partialCancel: boolean, lineCancel: boolean, refundAccountRequired: boolean, reasons: Array<{ action: string, code: string, message: string }> };

export type EscrowFieldsFragment = { status: string, courier: string | null, trackingNumber: string | null, registeredAt: string | null, errorCode: string | null };

export type OrderFieldsFragment = { orderId: string, status: string, orderName: string, totalAmount: number | null, taxFreeAmount: number | null, expiresAt: string, createdAt: string, paidAt: string | null, escrowEligible: boolean, escrow: { status: string, courier: string | null, trackingNumber: string | null, registeredAt: string | null, errorCode: string | null } | null, cashReceipt: { type: string, identifierMasked: string | null, approvalNo: string | null, amount: number | null, status: string, issuedAt: string | null } | null, items: Array<{ id: string, productName: string, quantity: number, unitPrice: number, lineTotal: number, isTaxFree: boolean, status: string, shipped: boolean, courier: string | null, trackingNumber: string | null, shippedAt: string | null, seller: { id: string, name: string } }>, payments: Array<{ paymentId: string, receiptId: string, status: string, amount: number, taxFreeAmount: number, cancelledAmount: number, cancellableAmount: number, method: string, methodName: string, createdAt: string, virtualAccount: { bankCode: string, bankName: string, accountNumber: string, holder: string, dueAt: string | null } | null, actions: { cancel: boolean, partialCancel: boolean, lineCancel: boolean, refundAccountRequired: boolean, reasons: Array<{ action: string, code: string, message: string }> } }> };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { username: string, isStaff: boolean, isSeller: boolean } | null };

export type LoginMutationVariables = Exact<{
  username: string;
  password: string;
}>;


export type LoginMutation = { login:
    | { __typename: 'InputError', code: string, message: string, fields: Array<{ field: string, messages: Array<string> }> }
    | { __typename: 'LoginSuccess', user: { username: string, isStaff: boolean, isSeller: boolean } }
    | { __typename: 'OperationError', code: string, message: string }
   };

export type LogoutMutationVariables = Exact<{ [key: string]: never; }>;


export type LogoutMutation = { logout: { ok: boolean } };

export type ProductsQueryVariables = Exact<{ [key: string]: never; }>;


export type ProductsQuery = { products: { edges: Array<{ node: { id: string, name: string, price: number, isTaxFree: boolean, adultOnly: boolean, stock: number, isActive: boolean, subscriptionInterval: string | null, seller: { id: string, name: string } } }> } };

export type CheckoutConfigQueryVariables = Exact<{ [key: string]: never; }>;


export type CheckoutConfigQuery = { checkoutConfig: { webApplicationId: string, widgetKey: string, mode: string, separatelyConfirmed: boolean } };

export type RefundAccountRulesQueryVariables = Exact<{ [key: string]: never; }>;


export type RefundAccountRulesQuery = { checkoutConfig: { refundBanks: Array<{ code: string, name: string }>, refundAccountRule: { minDigits: number, maxDigits: number, holderMaxLength: number } } };

export type OrderQueryVariables = Exact<{
  orderId: string;
}>;


export type OrderQuery = { order: { orderId: string, status: string, orderName: string, totalAmount: number | null, taxFreeAmount: number | null, expiresAt: string, createdAt: string, paidAt: string | null, escrowEligible: boolean, escrow: { status: string, courier: string | null, trackingNumber: string | null, registeredAt: string | null, errorCode: string | null } | null, cashReceipt: { type: string, identifierMasked: string | null, approvalNo: string | null, amount: number | null, status: string, issuedAt: string | null } | null, items: Array<{ id: string, productName: string, quantity: number, unitPrice: number, lineTotal: number, isTaxFree: boolean, status: string, shipped: boolean, courier: string | null, trackingNumber: string | null, shippedAt: string | null, seller: { id: string, name: string } }>, payments: Array<{ paymentId: string, receiptId: string, status: string, amount: number, taxFreeAmount: number, cancelledAmount: number, cancellableAmount: number, method: string, methodName: string, createdAt: string, virtualAccount: { bankCode: string, bankName: string, accountNumber: string, holder: string, dueAt: string | null } | null, actions: { cancel: boolean, partialCancel: boolean, lineCancel: boolean, refundAccountRequired: boolean, reasons: Array<{ action: string, code: string, message: string }> } }> } | null };

export type CreateOrderMutationVariables = Exact<{
  input: CreateOrderInput;
}>;


export type CreateOrderMutation = { createOrder:
    | { __typename: 'CreateOrderSuccess', order: { orderId: string, status: string, orderName: string, totalAmount: number | null, taxFreeAmount: number | null, expiresAt: string, createdAt: string, paidAt: string | null, escrowEligible: boolean, escrow: { status: string, courier: string | null, trackingNumber: string | null, registeredAt: string | null, errorCode: string | null } | null, cashReceipt: { type: string, identifierMasked: string | null, approvalNo: string | null, amount: number | null, status: string, issuedAt: string | null } | null, items: Array<{ id: string, productName: string, quantity: number, unitPrice: number, lineTotal: number, isTaxFree: boolean, status: string, shipped: boolean, courier: string | null, trackingNumber: string | null, shippedAt: string | null, seller: { id: string, name: string } }>, payments: Array<{ paymentId: string, receiptId: string, status: string, amount: number, taxFreeAmount: number, cancelledAmount: number, cancellableAmount: number, method: string, methodName: string, createdAt: string, virtualAccount: { bankCode: string, bankName: string, accountNumber: string, holder: string, dueAt: string | null } | null, actions: { cancel: boolean, partialCancel: boolean, lineCancel: boolean, refundAccountRequired: boolean, reasons: Array<{ action: string, code: string, message: string }> } }> } }
    | { __typename: 'InputError', code: string, message: string, fields: Array<{ field: string, messages: Array<string> }> }
    | { __typename: 'OperationError', code: string, message: string }
   };

export type VerifyPaymentMutationVariables = Exact<{
  orderId: string;
  receiptId: string;
}>;


export type VerifyPaymentMutation = { verifyPayment:
    | { __typename: 'InputError', code: string, message: string, fields: Array<{ field: string, messages: Array<string> }> }
    | { __typename: 'OperationError', code: string, message: string }
    | { __typename: 'VerifyPaymentSuccess', payment: { paymentId: string, receiptId: string, status: string, amount: number, taxFreeAmount: number, cancelledAmount: number, cancellableAmount: number, method: string, methodName: string, createdAt: string, virtualAccount: { bankCode: string, bankName: string, accountNumber: string, holder: string, dueAt: string | null } | null, actions: { cancel: boolean, partialCancel: boolean, lineCancel: boolean, refundAccountRequired: boolean, reasons: Array<{ action: string, code: string, message: string }> } } }
   };

export type ConfirmPaymentMutationVariables = Exact<{
  paymentId: string | number;
}>;


export type ConfirmPaymentMutation = { confirmPayment:
    | { __typename: 'ConfirmPaymentSuccess', payment: { paymentId: string, receiptId: string, status: string, amount: number, taxFreeAmount: number, cancelledAmount: number, cancellableAmount: number, method: string, methodName: string, createdAt: string, virtualAccount: { bankCode: string, bankName: string, accountNumber: string, holder: string, dueAt: string | null } | null, actions: { cancel: boolean, partialCancel: boolean, lineCancel: boolean, refundAccountRequired: boolean, reasons: Array<{ action: string, code: string, message: string }> } } }
    | { __typename: 'InputError', code: string, message: string, fields: Array<{ field: string, messages: Array<string> }> }
    | { __typename: 'OperationError', code: string, message: string }
   };

export type CancelOrderMutationVariables = Exact<{
  orderId: string;
}>;


export type CancelOrderMutation = { cancelOrder:
    | { __typename: 'CancelOrderSuccess', order: { orderId: string, status: string, orderName: string, totalAmount: number | null, taxFreeAmount: number | null, expiresAt: string, createdAt: string, paidAt: string | null, escrowEligible: boolean, escrow: { status: string, courier: string | null, trackingNumber: string | null, registeredAt: string | null, errorCode: string | null } | null, cashReceipt: { type: string, identifierMasked: string | null, approvalNo: string | null, amount: number | null, status: string, issuedAt: string | null } | null, items: Array<{ id: string, productName: string, quantity: number, unitPrice: number, lineTotal: number, isTaxFree: boolean, status: string, shipped: boolean, courier: string | null, trackingNumber: string | null, shippedAt: string | null, seller: { id: string, name: string } }>, payments: Array<{ paymentId: string, receiptId: string, status: string, amount: number, taxFreeAmount: number, cancelledAmount: number, cancellableAmount: number, method: string, methodName: string, createdAt: string, virtualAccount: { bankCode: string, bankName: string, accountNumber: string, holder: string, dueAt: string | null } | null, actions: { cancel: boolean, partialCancel: boolean, lineCancel: boolean, refundAccountRequired: boolean, reasons: Array<{ action: string, code: string, message: string }> } }> } }
    | { __typename: 'InputError', code: string, message: string, fields: Array<{ field: string, messages: Array<string> }> }
    | { __typename: 'OperationError', code: string, message: string }
   };

export type CancelPaymentMutationVariables = Exact<{
  paymentId: string | number;
  reason: string;
  idempotencyKey: string;
  itemIds?: Array<string | number> | string | number | null | undefined;
  refund?: RefundAccountInput | null | undefined;
}>;


export type CancelPaymentMutation = { cancelPayment:
    | { __typename: 'CancelPaymentSuccess', cancellation: { cancelId: string, amount: number, state: string } }
    | { __typename: 'InputError', code: string, message: string, fields: Array<{ field: string, messages: Array<string> }> }
    | { __typename: 'OperationError', code: string, message: string }
   };

export type RequestCashReceiptMutationVariables = Exact<{
  orderId: string;
  type: string;
  identifier: string;
}>;


export type RequestCashReceiptMutation = { requestCashReceipt:
    | { __typename: 'InputError', code: string, message: string, fields: Array<{ field: string, messages: Array<string> }> }
    | { __typename: 'OperationError', code: string, message: string }
    | { __typename: 'RequestCashReceiptSuccess' }
   };

export type MyOrdersQueryVariables = Exact<{ [key: string]: never; }>;


export type MyOrdersQuery = { myOrders: { edges: Array<{ node: { orderId: string, status: string, orderName: string, totalAmount: number | null, taxFreeAmount: number | null, expiresAt: string, createdAt: string, paidAt: string | null, escrowEligible: boolean, escrow: { status: string, courier: string | null, trackingNumber: string | null, registeredAt: string | null, errorCode: string | null } | null, cashReceipt: { type: string, identifierMasked: string | null, approvalNo: string | null, amount: number | null, status: string, issuedAt: string | null } | null, items: Array<{ id: string, productName: string, quantity: number, unitPrice: number, lineTotal: number, isTaxFree: boolean, status: string, shipped: boolean, courier: string | null, trackingNumber: string | null, shippedAt: string | null, seller: { id: string, name: string } }>, payments: Array<{ paymentId: string, receiptId: string, status: string, amount: number, taxFreeAmount: number, cancelledAmount: number, cancellableAmount: number, method: string, methodName: string, createdAt: string, virtualAccount: { bankCode: string, bankName: string, accountNumber: string, holder: string, dueAt: string | null } | null, actions: { cancel: boolean, partialCancel: boolean, lineCancel: boolean, refundAccountRequired: boolean, reasons: Array<{ action: string, code: string, message: string }> } }> } }> } };

export type SellerOrdersQueryVariables = Exact<{ [key: string]: never; }>;


export type SellerOrdersQuery = { sellerOrders: { edges: Array<{ node: { orderId: string, status: string, createdAt: string, paymentId: string | null, items: Array<{ id: string, productName: string, quantity: number, lineTotal: number, status: string, shipped: boolean, courier: string | null, trackingNumber: string | null, shippedAt: string | null }>, paymentActions: { cancel: boolean, partialCancel: boolean, lineCancel: boolean, refundAccountRequired: boolean, reasons: Array<{ action: string, code: string, message: string }> } | null, escrow: { status: string, courier: string | null, trackingNumber: string | null, registeredAt: string | null, errorCode: string | null } | null } }> } };

export type MarkItemShippedMutationVariables = Exact<{
  orderId: string;
  itemId: string | number;
  courier?: string | null | undefined;
  trackingNumber?: string | null | undefined;
}>;


export type MarkItemShippedMutation = { markItemShipped:
    | { __typename: 'InputError', code: string, message: string, fields: Array<{ field: string, messages: Array<string> }> }
    | { __typename: 'MarkItemShippedSuccess', item: { id: string, shipped: boolean, courier: string | null, trackingNumber: string | null, shippedAt: string | null } }
    | { __typename: 'OperationError', code: string, message: string }
   };

export type BillingKeyFieldsFragment = { billingKeyId: string, cardCompany: string, cardNumberMasked: string, status: string, createdAt: string };

export type SubscriptionFieldsFragment = { subscriptionId: string, status: string, interval: string, price: number, currentPeriod: number, nextChargeAt: string | null, trialEndsAt: string | null, createdAt: string, cancelledAt: string | null, billingKeyId: string, cardCompany: string, cardNumberMasked: string, pendingPriceChange: { priceChangeId: string, price: number, newPrice: number, effectiveAt: string, consentOpensAt: string, consentDeadline: string, onNoConsent: string, consentedAt: string | null } | null, product: { id: string, name: string }, charges: Array<{ period: number, status: string, orderId: string, paymentId: string | null }> };

export type SubscribableProductQueryVariables = Exact<{
  id: string | number;
}>;


export type SubscribableProductQuery = { product: { id: string, name: string, price: number, isActive: boolean, stock: number, subscriptionInterval: string | null, trialDays: number, seller: { name: string } } | null };

export type MyBillingKeysQueryVariables = Exact<{ [key: string]: never; }>;


export type MyBillingKeysQuery = { myBillingKeys: { edges: Array<{ node: { billingKeyId: string, cardCompany: string, cardNumberMasked: string, status: string, createdAt: string } }> } };

export type MySubscriptionsQueryVariables = Exact<{ [key: string]: never; }>;


export type MySubscriptionsQuery = { mySubscriptions: { edges: Array<{ node: { subscriptionId: string, status: string, interval: string, price: number, currentPeriod: number, nextChargeAt: string | null, trialEndsAt: string | null, createdAt: string, cancelledAt: string | null, billingKeyId: string, cardCompany: string, cardNumberMasked: string, pendingPriceChange: { priceChangeId: string, price: number, newPrice: number, effectiveAt: string, consentOpensAt: string, consentDeadline: string, onNoConsent: string, consentedAt: string | null } | null, product: { id: string, name: string }, charges: Array<{ period: number, status: string, orderId: string, paymentId: string | null }> } }> } };

export type RequestBillingKeyMutationVariables = Exact<{ [key: string]: never; }>;


export type RequestBillingKeyMutation = { requestBillingKey:
    | { __typename: 'InputError', code: string, message: string, fields: Array<{ field: string, messages: Array<string> }> }
    | { __typename: 'OperationError', code: string, message: string }
    | { __typename: 'RequestBillingKeySuccess', subscriptionId: string, orderName: string }
   };

export type RegisterBillingKeyMutationVariables = Exact<{
  receiptId: string;
}>;


export type RegisterBillingKeyMutation = { registerBillingKey:
    | { __typename: 'InputError', code: string, message: string, fields: Array<{ field: string, messages: Array<string> }> }
    | { __typename: 'OperationError', code: string, message: string }
    | { __typename: 'RegisterBillingKeySuccess', billingKey: { billingKeyId: string, cardCompany: string, cardNumberMasked: string, status: string, createdAt: string } }
   };

export type SubscribeMutationVariables = Exact<{
  productId: string | number;
  billingKeyId: string | number;
}>;


export type SubscribeMutation = { subscribe:
    | { __typename: 'InputError', code: string, message: string, fields: Array<{ field: string, messages: Array<string> }> }
    | { __typename: 'OperationError', details: unknown, code: string, message: string }
    | { __typename: 'SubscribeSuccess', subscription: { subscriptionId: string, status: string, interval: string, price: number, currentPeriod: number, nextChargeAt: string | null, trialEndsAt: string | null, createdAt: string, cancelledAt: string | null, billingKeyId: string, cardCompany: string, cardNumberMasked: string, pendingPriceChange: { priceChangeId: string, price: number, newPrice: number, effectiveAt: string, consentOpensAt: string, consentDeadline: string, onNoConsent: string, consentedAt: string | null } | null, product: { id: string, name: string }, charges: Array<{ period: number, status: string, orderId: string, paymentId: string | null }> } }
   };

export type CancelSubscriptionMutationVariables = Exact<{
  subscriptionId: string | number;
}>;


export type CancelSubscriptionMutation = { cancelSubscription:
    | { __typename: 'CancelSubscriptionSuccess', subscription: { subscriptionId: string, status: string, interval: string, price: number, currentPeriod: number, nextChargeAt: string | null, trialEndsAt: string | null, createdAt: string, cancelledAt: string | null, billingKeyId: string, cardCompany: string, cardNumberMasked: string, pendingPriceChange: { priceChangeId: string, price: number, newPrice: number, effectiveAt: string, consentOpensAt: string, consentDeadline: string, onNoConsent: string, consentedAt: string | null } | null, product: { id: string, name: string }, charges: Array<{ period: number, status: string, orderId: string, paymentId: string | null }> } }
    | { __typename: 'InputError', code: string, message: string, fields: Array<{ field: string, messages: Array<string> }> }
    | { __typename: 'OperationError', code: string, message: string }
   };

export type ConsentToPriceChangeMutationVariables = Exact<{
  subscriptionId: string | number;
}>;


export type ConsentToPriceChangeMutation = { consentToPriceChange:
    | { __typename: 'ConsentToPriceChangeSuccess', subscription: { subscriptionId: string, status: string, interval: string, price: number, currentPeriod: number, nextChargeAt: string | null, trialEndsAt: string | null, createdAt: string, cancelledAt: string | null, billingKeyId: string, cardCompany: string, cardNumberMasked: string, pendingPriceChange: { priceChangeId: string, price: number, newPrice: number, effectiveAt: string, consentOpensAt: string, consentDeadline: string, onNoConsent: string, consentedAt: string | null } | null, product: { id: string, name: string }, charges: Array<{ period: number, status: string, orderId: string, paymentId: string | null }> } }
    | { __typename: 'InputError', code: string, message: string, fields: Array<{ field: string, messages: Array<string> }> }
    | { __typename: 'OperationError', code: string, message: string }
   };

export type MyIdentityQueryVariables = Exact<{ [key: string]: never; }>;


export type MyIdentityQuery = { me: { identity: { verified: boolean, adult: boolean, expiresAt: string | null } | null } | null };

export type VerifyIdentityMutationVariables = Exact<{
  receiptId: string;
}>;


export type VerifyIdentityMutation = { verifyIdentity:
    | { __typename: 'InputError', code: string, message: string, fields: Array<{ field: string, messages: Array<string> }> }
    | { __typename: 'OperationError', code: string, message: string }
    | { __typename: 'VerifyIdentitySuccess', verification: { adult: boolean, expiresAt: string } }
   };

export type NotificationPreferencesFieldsFragment = { language: string, emailOptOut: boolean, alimtalkOptOut: boolean, phoneMasked: string | null, alwaysSent: Array<string> };

export type MyNotificationPreferencesQueryVariables = Exact<{ [key: string]: never; }>;


export type MyNotificationPreferencesQuery = { myNotificationPreferences: { language: string, emailOptOut: boolean, alimtalkOptOut: boolean, phoneMasked: string | null, alwaysSent: Array<string> } };

export type UpdateNotificationPreferencesMutationVariables = Exact<{
  language?: string | null | undefined;
  emailOptOut?: boolean | null | undefined;
  alimtalkOptOut?: boolean | null | undefined;
  phone?: string | null | undefined;
}>;


export type UpdateNotificationPreferencesMutation = { updateNotificationPreferences:
    | { __typename: 'InputError', code: string, message: string, fields: Array<{ field: string, messages: Array<string> }> }
    | { __typename: 'OperationError', code: string, message: string }
    | { __typename: 'UpdateNotificationPreferencesSuccess', notificationPreferences: { language: string, emailOptOut: boolean, alimtalkOptOut: boolean, phoneMasked: string | null, alwaysSent: Array<string> } }
   };

export type SellerStatementQueryVariables = Exact<{
  from: string;
  to: string;
}>;


export type SellerStatementQuery = { sellerStatement: { from: string, to: string, sellers: Array<{ sellerId: string, sellerName: string, gross: { total: number, taxable: number, taxFree: number, count: number }, refunds: { total: number, taxable: number, taxFree: number, count: number }, net: { total: number, taxable: number, taxFree: number }, days: Array<{ date: string, gross: { total: number, count: number }, refunds: { total: number, count: number }, net: { total: number } }> }> } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const ErrorFieldsFragmentDoc = new TypedDocumentString(`
    fragment ErrorFields on Error {
  code
  message
  ... on InputError {
    fields {
      field
      messages
    }
  }
}
    `, {"fragmentName":"ErrorFields"}) as unknown as TypedDocumentString<ErrorFieldsFragment, unknown>;
export const EscrowFieldsFragmentDoc = new TypedDocumentString(`
    fragment EscrowFields on EscrowShipping {
  status
  courier
  trackingNumber
  registeredAt
  errorCode
}
    `, {"fragmentName":"EscrowFields"}) as unknown as TypedDocumentString<EscrowFieldsFragment, unknown>;
export const PaymentActionsFieldsFragmentDoc = new TypedDocumentString(`
    fragment PaymentActionsFields on PaymentActions {
  cancel
  partialCancel
  lineCancel
  refundAccountRequired
  reasons {
    action
    code
    message
  }
}
    `, {"fragmentName":"PaymentActionsFields"}) as unknown as TypedDocumentString<PaymentActionsFieldsFragment, unknown>;
export const PaymentFieldsFragmentDoc = new TypedDocumentString(`
    fragment PaymentFields on Payment {
  paymentId
  receiptId
  status
  amount
  taxFreeAmount
  cancelledAmount
  cancellableAmount
  method
  methodName
  createdAt
  virtualAccount {
    bankCode
    bankName
    accountNumber
    holder
    dueAt
  }
  actions {
    ...PaymentActionsFields
  }
}
    fragment PaymentActionsFields on PaymentActions {
  cancel
  partialCancel
  lineCancel
  refundAccountRequired
  reasons {
    action
    code
    message
  }
}`, {"fragmentName":"PaymentFields"}) as unknown as TypedDocumentString<PaymentFieldsFragment, unknown>;
export const OrderFieldsFragmentDoc = new TypedDocumentString(`
    fragment OrderFields on Order {
  orderId
  status
  orderName
  totalAmount
  taxFreeAmount
  expiresAt
  createdAt
  paidAt
  escrowEligible
  escrow {
    ...EscrowFields
  }
  cashReceipt {
    type
    identifierMasked
    approvalNo
    amount
    status
    issuedAt
  }
  items {
    id
    productName
    quantity
    unitPrice
    lineTotal
    isTaxFree
    status
    shipped
    courier
    trackingNumber
    shippedAt
    seller {
      id
      name
    }
  }
  payments {
    ...PaymentFields
  }
}
    fragment PaymentFields on Payment {
  paymentId
  receiptId
  status
  amount
  taxFreeAmount
  cancelledAmount
  cancellableAmount
  method
  methodName
  createdAt
  virtualAccount {
    bankCode
    bankName
    accountNumber
    holder
    dueAt
  }
  actions {
    ...PaymentActionsFields
  }
}
fragment PaymentActionsFields on PaymentActions {
  cancel
  partialCancel
  lineCancel
  refundAccountRequired
  reasons {
    action
    code
    message
  }
}
fragment EscrowFields on EscrowShipping {
  status
  courier
  trackingNumber
  registeredAt
  errorCode
}`, {"fragmentName":"OrderFields"}) as unknown as TypedDocumentString<OrderFieldsFragment, unknown>;
export const BillingKeyFieldsFragmentDoc = new TypedDocumentString(`
    fragment BillingKeyFields on BillingKey {
  billingKeyId
  cardCompany
  cardNumberMasked
  status
  createdAt
}
    `, {"fragmentName":"BillingKeyFields"}) as unknown as TypedDocumentString<BillingKeyFieldsFragment, unknown>;
export const SubscriptionFieldsFragmentDoc = new TypedDocumentString(`
    fragment SubscriptionFields on BillingSubscription {
  subscriptionId
  status
  interval
  price
  currentPeriod
  nextChargeAt
  trialEndsAt
  createdAt
  cancelledAt
  pendingPriceChange {
    priceChangeId
    price
    newPrice
    effectiveAt
    consentOpensAt
    consentDeadline
    onNoConsent
    consentedAt
  }
  billingKeyId
  cardCompany
  cardNumberMasked
  product {
    id
    name
  }
  charges {
    period
    status
    orderId
    paymentId
  }
}
    `, {"fragmentName":"SubscriptionFields"}) as unknown as TypedDocumentString<SubscriptionFieldsFragment, unknown>;
export const NotificationPreferencesFieldsFragmentDoc = new TypedDocumentString(`
    fragment NotificationPreferencesFields on NotificationPreferences {
  language
  emailOptOut
  alimtalkOptOut
  phoneMasked
  alwaysSent
}
    `, {"fragmentName":"NotificationPreferencesFields"}) as unknown as TypedDocumentString<NotificationPreferencesFieldsFragment, unknown>;
export const MeDocument = new TypedDocumentString(`
    query Me {
  me {
    username
    isStaff
    isSeller
  }
}
    `) as unknown as TypedDocumentString<MeQuery, MeQueryVariables>;
export const LoginDocument = new TypedDocumentString(`
    mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) {
    __typename
    ... on LoginSuccess {
      user {
        username
        isStaff
        isSeller
      }
    }
    ...ErrorFields
  }
}
    fragment ErrorFields on Error {
  code
  message
  ... on InputError {
    fields {
      field
      messages
    }
  }
}`) as unknown as TypedDocumentString<LoginMutation, LoginMutationVariables>;
export const LogoutDocument = new TypedDocumentString(`
    mutation Logout {
  logout {
    ok
  }
}
    `) as unknown as TypedDocumentString<LogoutMutation, LogoutMutationVariables>;
export const ProductsDocument = new TypedDocumentString(`
    query Products {
  products(first: 50) {
    edges {
      node {
        id
        name
        price
        isTaxFree
        adultOnly
        stock
        isActive
        subscriptionInterval
        seller {
          id
          name
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ProductsQuery, ProductsQueryVariables>;
export const CheckoutConfigDocument = new TypedDocumentString(`
    query CheckoutConfig {
  checkoutConfig {
    webApplicationId
    widgetKey
    mode
    separatelyConfirmed
  }
}
    `) as unknown as TypedDocumentString<CheckoutConfigQuery, CheckoutConfigQueryVariables>;
export const RefundAccountRulesDocument = new TypedDocumentString(`
    query RefundAccountRules {
  checkoutConfig {
    refundBanks {
      code
      name
    }
    refundAccountRule {
      minDigits
      maxDigits
      holderMaxLength
    }
  }
}
    `) as unknown as TypedDocumentString<RefundAccountRulesQuery, RefundAccountRulesQueryVariables>;
export const OrderDocument = new TypedDocumentString(`
    query Order($orderId: String!) {
  order(orderId: $orderId) {
    ...OrderFields
  }
}
    fragment PaymentFields on Payment {
  paymentId
  receiptId
  status
  amount
  taxFreeAmount
  cancelledAmount
  cancellableAmount
  method
  methodName
  createdAt
  virtualAccount {
    bankCode
    bankName
    accountNumber
    holder
    dueAt
  }
  actions {
    ...PaymentActionsFields
  }
}
fragment PaymentActionsFields on PaymentActions {
  cancel
  partialCancel
  lineCancel
  refundAccountRequired
  reasons {
    action
    code
    message
  }
}
fragment EscrowFields on EscrowShipping {
  status
  courier
  trackingNumber
  registeredAt
  errorCode
}
fragment OrderFields on Order {
  orderId
  status
  orderName
  totalAmount
  taxFreeAmount
  expiresAt
  createdAt
  paidAt
  escrowEligible
  escrow {
    ...EscrowFields
  }
  cashReceipt {
    type
    identifierMasked
    approvalNo
    amount
    status
    issuedAt
  }
  items {
    id
    productName
    quantity
    unitPrice
    lineTotal
    isTaxFree
    status
    shipped
    courier
    trackingNumber
    shippedAt
    seller {
      id
      name
    }
  }
  payments {
    ...PaymentFields
  }
}`) as unknown as TypedDocumentString<OrderQuery, OrderQueryVariables>;
export const CreateOrderDocument = new TypedDocumentString(`
    mutation CreateOrder($input: CreateOrderInput!) {
  createOrder(input: $input) {
    __typename
    ... on CreateOrderSuccess {
      order {
        ...OrderFields
      }
    }
    ...ErrorFields
  }
}
    fragment ErrorFields on Error {
  code
  message
  ... on InputError {
    fields {
      field
      messages
    }
  }
}
fragment PaymentFields on Payment {
  paymentId
  receiptId
  status
  amount
  taxFreeAmount
  cancelledAmount
  cancellableAmount
  method
  methodName
  createdAt
  virtualAccount {
    bankCode
    bankName
    accountNumber
    holder
    dueAt
  }
  actions {
    ...PaymentActionsFields
  }
}
fragment PaymentActionsFields on PaymentActions {
  cancel
  partialCancel
  lineCancel
  refundAccountRequired
  reasons {
    action
    code
    message
  }
}
fragment EscrowFields on EscrowShipping {
  status
  courier
  trackingNumber
  registeredAt
  errorCode
}
fragment OrderFields on Order {
  orderId
  status
  orderName
  totalAmount
  taxFreeAmount
  expiresAt
  createdAt
  paidAt
  escrowEligible
  escrow {
    ...EscrowFields
  }
  cashReceipt {
    type
    identifierMasked
    approvalNo
    amount
    status
    issuedAt
  }
  items {
    id
    productName
    quantity
    unitPrice
    lineTotal
    isTaxFree
    status
    shipped
    courier
    trackingNumber
    shippedAt
    seller {
      id
      name
    }
  }
  payments {
    ...PaymentFields
  }
}`) as unknown as TypedDocumentString<CreateOrderMutation, CreateOrderMutationVariables>;
export const VerifyPaymentDocument = new TypedDocumentString(`
    mutation VerifyPayment($orderId: String!, $receiptId: String!) {
  verifyPayment(orderId: $orderId, receiptId: $receiptId) {
    __typename
    ... on VerifyPaymentSuccess {
      payment {
        ...PaymentFields
      }
    }
    ...ErrorFields
  }
}
    fragment ErrorFields on Error {
  code
  message
  ... on InputError {
    fields {
      field
      messages
    }
  }
}
fragment PaymentFields on Payment {
  paymentId
  receiptId
  status
  amount
  taxFreeAmount
  cancelledAmount
  cancellableAmount
  method
  methodName
  createdAt
  virtualAccount {
    bankCode
    bankName
    accountNumber
    holder
    dueAt
  }
  actions {
    ...PaymentActionsFields
  }
}
fragment PaymentActionsFields on PaymentActions {
  cancel
  partialCancel
  lineCancel
  refundAccountRequired
  reasons {
    action
    code
    message
  }
}`) as unknown as TypedDocumentString<VerifyPaymentMutation, VerifyPaymentMutationVariables>;
export const ConfirmPaymentDocument = new TypedDocumentString(`
    mutation ConfirmPayment($paymentId: ID!) {
  confirmPayment(paymentId: $paymentId) {
    __typename
    ... on ConfirmPaymentSuccess {
      payment {
        ...PaymentFields
      }
    }
    ...ErrorFields
  }
}
    fragment ErrorFields on Error {
  code
  message
  ... on InputError {
    fields {
      field
      messages
    }
  }
}
fragment PaymentFields on Payment {
  paymentId
  receiptId
  status
  amount
  taxFreeAmount
  cancelledAmount
  cancellableAmount
  method
  methodName
  createdAt
  virtualAccount {
    bankCode
    bankName
    accountNumber
    holder
    dueAt
  }
  actions {
    ...PaymentActionsFields
  }
}
fragment PaymentActionsFields on PaymentActions {
  cancel
  partialCancel
  lineCancel
  refundAccountRequired
  reasons {
    action
    code
    message
  }
}`) as unknown as TypedDocumentString<ConfirmPaymentMutation, ConfirmPaymentMutationVariables>;
export const CancelOrderDocument = new TypedDocumentString(`
    mutation CancelOrder($orderId: String!) {
  cancelOrder(orderId: $orderId) {
    __typename
    ... on CancelOrderSuccess {
      order {
        ...OrderFields
      }
    }
    ...ErrorFields
  }
}
    fragment ErrorFields on Error {
  code
  message
  ... on InputError {
    fields {
      field
      messages
    }
  }
}
fragment PaymentFields on Payment {
  paymentId
  receiptId
  status
  amount
  taxFreeAmount
  cancelledAmount
  cancellableAmount
  method
  methodName
  createdAt
  virtualAccount {
    bankCode
    bankName
    accountNumber
    holder
    dueAt
  }
  actions {
    ...PaymentActionsFields
  }
}
fragment PaymentActionsFields on PaymentActions {
  cancel
  partialCancel
  lineCancel
  refundAccountRequired
  reasons {
    action
    code
    message
  }
}
fragment EscrowFields on EscrowShipping {
  status
  courier
  trackingNumber
  registeredAt
  errorCode
}
fragment OrderFields on Order {
  orderId
  status
  orderName
  totalAmount
  taxFreeAmount
  expiresAt
  createdAt
  paidAt
  escrowEligible
  escrow {
    ...EscrowFields
  }
  cashReceipt {
    type
    identifierMasked
    approvalNo
    amount
    status
    issuedAt
  }
  items {
    id
    productName
    quantity
    unitPrice
    lineTotal
    isTaxFree
    status
    shipped
    courier
    trackingNumber
    shippedAt
    seller {
      id
      name
    }
  }
  payments {
    ...PaymentFields
  }
}`) as unknown as TypedDocumentString<CancelOrderMutation, CancelOrderMutationVariables>;
export const CancelPaymentDocument = new TypedDocumentString(`
    mutation CancelPayment($paymentId: ID!, $reason: String!, $idempotencyKey: String!, $itemIds: [ID!], $refund: RefundAccountInput) {
  cancelPayment(
    paymentId: $paymentId
    reason: $reason
    idempotencyKey: $idempotencyKey
    itemIds: $itemIds
    refund: $refund
  ) {
    __typename
    ... on CancelPaymentSuccess {
      cancellation {
        cancelId
        amount
        state
      }
    }
    ...ErrorFields
  }
}
    fragment ErrorFields on Error {
  code
  message
  ... on InputError {
    fields {
      field
      messages
    }
  }
}`) as unknown as TypedDocumentString<CancelPaymentMutation, CancelPaymentMutationVariables>;
export const RequestCashReceiptDocument = new TypedDocumentString(`
    mutation RequestCashReceipt($orderId: String!, $type: String!, $identifier: String!) {
  requestCashReceipt(orderId: $orderId, type: $type, identifier: $identifier) {
    __typename
    ...ErrorFields
  }
}
    fragment ErrorFields on Error {
  code
  message
  ... on InputError {
    fields {
      field
      messages
    }
  }
}`) as unknown as TypedDocumentString<RequestCashReceiptMutation, RequestCashReceiptMutationVariables>;
export const MyOrdersDocument = new TypedDocumentString(`
    query MyOrders {
  myOrders(first: 20) {
    edges {
      node {
        ...OrderFields
      }
    }
  }
}
    fragment PaymentFields on Payment {
  paymentId
  receiptId
  status
  amount
  taxFreeAmount
  cancelledAmount
  cancellableAmount
  method
  methodName
  createdAt
  virtualAccount {
    bankCode
    bankName
    accountNumber
    holder
    dueAt
  }
  actions {
    ...PaymentActionsFields
  }
}
fragment PaymentActionsFields on PaymentActions {
  cancel
  partialCancel
  lineCancel
  refundAccountRequired
  reasons {
    action
    code
    message
  }
}
fragment EscrowFields on EscrowShipping {
  status
  courier
  trackingNumber
  registeredAt
  errorCode
}
fragment OrderFields on Order {
  orderId
  status
  orderName
  totalAmount
  taxFreeAmount
  expiresAt
  createdAt
  paidAt
  escrowEligible
  escrow {
    ...EscrowFields
  }
  cashReceipt {
    type
    identifierMasked
    approvalNo
    amount
    status
    issuedAt
  }
  items {
    id
    productName
    quantity
    unitPrice
    lineTotal
    isTaxFree
    status
    shipped
    courier
    trackingNumber
    shippedAt
    seller {
      id
      name
    }
  }
  payments {
    ...PaymentFields
  }
}`) as unknown as TypedDocumentString<MyOrdersQuery, MyOrdersQueryVariables>;
export const SellerOrdersDocument = new TypedDocumentString(`
    query SellerOrders {
  sellerOrders(first: 20) {
    edges {
      node {
        orderId
        status
        createdAt
        items {
          id
          productName
          quantity
          lineTotal
          status
          shipped
          courier
          trackingNumber
          shippedAt
        }
        paymentId
        paymentActions {
          ...PaymentActionsFields
        }
        escrow {
          ...EscrowFields
        }
      }
    }
  }
}
    fragment PaymentActionsFields on PaymentActions {
  cancel
  partialCancel
  lineCancel
  refundAccountRequired
  reasons {
    action
    code
    message
  }
}
fragment EscrowFields on EscrowShipping {
  status
  courier
  trackingNumber
  registeredAt
  errorCode
}`) as unknown as TypedDocumentString<SellerOrdersQuery, SellerOrdersQueryVariables>;
export const MarkItemShippedDocument = new TypedDocumentString(`
    mutation MarkItemShipped($orderId: String!, $itemId: ID!, $courier: String, $trackingNumber: String) {
  markItemShipped(
    orderId: $orderId
    itemId: $itemId
    courier: $courier
    trackingNumber: $trackingNumber
  ) {
    __typename
    ... on MarkItemShippedSuccess {
      item {
        id
        shipped
        courier
        trackingNumber
        shippedAt
      }
    }
    ...ErrorFields
  }
}
    fragment ErrorFields on Error {
  code
  message
  ... on InputError {
    fields {
      field
      messages
    }
  }
}`) as unknown as TypedDocumentString<MarkItemShippedMutation, MarkItemShippedMutationVariables>;
export const SubscribableProductDocument = new TypedDocumentString(`
    query SubscribableProduct($id: ID!) {
  product(id: $id) {
    id
    name
    price
    isActive
    stock
    subscriptionInterval
    trialDays
    seller {
      name
    }
  }
}
    `) as unknown as TypedDocumentString<SubscribableProductQuery, SubscribableProductQueryVariables>;
export const MyBillingKeysDocument = new TypedDocumentString(`
    query MyBillingKeys {
  myBillingKeys(first: 20) {
    edges {
      node {
        ...BillingKeyFields
      }
    }
  }
}
    fragment BillingKeyFields on BillingKey {
  billingKeyId
  cardCompany
  cardNumberMasked
  status
  createdAt
}`) as unknown as TypedDocumentString<MyBillingKeysQuery, MyBillingKeysQueryVariables>;
export const MySubscriptionsDocument = new TypedDocumentString(`
    query MySubscriptions {
  mySubscriptions(first: 50) {
    edges {
      node {
        ...SubscriptionFields
      }
    }
  }
}
    fragment SubscriptionFields on BillingSubscription {
  subscriptionId
  status
  interval
  price
  currentPeriod
  nextChargeAt
  trialEndsAt
  createdAt
  cancelledAt
  pendingPriceChange {
    priceChangeId
    price
    newPrice
    effectiveAt
    consentOpensAt
    consentDeadline
    onNoConsent
    consentedAt
  }
  billingKeyId
  cardCompany
  cardNumberMasked
  product {
    id
    name
  }
  charges {
    period
    status
    orderId
    paymentId
  }
}`) as unknown as TypedDocumentString<MySubscriptionsQuery, MySubscriptionsQueryVariables>;
export const RequestBillingKeyDocument = new TypedDocumentString(`
    mutation RequestBillingKey {
  requestBillingKey {
    __typename
    ... on RequestBillingKeySuccess {
      subscriptionId
      orderName
    }
    ...ErrorFields
  }
}
    fragment ErrorFields on Error {
  code
  message
  ... on InputError {
    fields {
      field
      messages
    }
  }
}`) as unknown as TypedDocumentString<RequestBillingKeyMutation, RequestBillingKeyMutationVariables>;
export const RegisterBillingKeyDocument = new TypedDocumentString(`
    mutation RegisterBillingKey($receiptId: String!) {
  registerBillingKey(receiptId: $receiptId) {
    __typename
    ... on RegisterBillingKeySuccess {
      billingKey {
        ...BillingKeyFields
      }
    }
    ...ErrorFields
  }
}
    fragment ErrorFields on Error {
  code
  message
  ... on InputError {
    fields {
      field
      messages
    }
  }
}
fragment BillingKeyFields on BillingKey {
  billingKeyId
  cardCompany
  cardNumberMasked
  status
  createdAt
}`) as unknown as TypedDocumentString<RegisterBillingKeyMutation, RegisterBillingKeyMutationVariables>;
export const SubscribeDocument = new TypedDocumentString(`
    mutation Subscribe($productId: ID!, $billingKeyId: ID!) {
  subscribe(productId: $productId, billingKeyId: $billingKeyId) {
    __typename
    ... on SubscribeSuccess {
      subscription {
        ...SubscriptionFields
      }
    }
    ... on OperationError {
      details
    }
    ...ErrorFields
  }
}
    fragment ErrorFields on Error {
  code
  message
  ... on InputError {
    fields {
      field
      messages
    }
  }
}
fragment SubscriptionFields on BillingSubscription {
  subscriptionId
  status
  interval
  price
  currentPeriod
  nextChargeAt
  trialEndsAt
  createdAt
  cancelledAt
  pendingPriceChange {
    priceChangeId
    price
    newPrice
    effectiveAt
    consentOpensAt
    consentDeadline
    onNoConsent
    consentedAt
  }
  billingKeyId
  cardCompany
  cardNumberMasked
  product {
    id
    name
  }
  charges {
    period
    status
    orderId
    paymentId
  }
}`) as unknown as TypedDocumentString<SubscribeMutation, SubscribeMutationVariables>;
export const CancelSubscriptionDocument = new TypedDocumentString(`
    mutation CancelSubscription($subscriptionId: ID!) {
  cancelSubscription(subscriptionId: $subscriptionId) {
    __typename
    ... on CancelSubscriptionSuccess {
      subscription {
        ...SubscriptionFields
      }
    }
    ...ErrorFields
  }
}
    fragment ErrorFields on Error {
  code
  message
  ... on InputError {
    fields {
      field
      messages
    }
  }
}
fragment SubscriptionFields on BillingSubscription {
  subscriptionId
  status
  interval
  price
  currentPeriod
  nextChargeAt
  trialEndsAt
  createdAt
  cancelledAt
  pendingPriceChange {
    priceChangeId
    price
    newPrice
    effectiveAt
    consentOpensAt
    consentDeadline
    onNoConsent
    consentedAt
  }
  billingKeyId
  cardCompany
  cardNumberMasked
  product {
    id
    name
  }
  charges {
    period
    status
    orderId
    paymentId
  }
}`) as unknown as TypedDocumentString<CancelSubscriptionMutation, CancelSubscriptionMutationVariables>;
export const ConsentToPriceChangeDocument = new TypedDocumentString(`
    mutation ConsentToPriceChange($subscriptionId: ID!) {
  consentToPriceChange(subscriptionId: $subscriptionId) {
    __typename
    ... on ConsentToPriceChangeSuccess {
      subscription {
        ...SubscriptionFields
      }
    }
    ...ErrorFields
  }
}
    fragment ErrorFields on Error {
  code
  message
  ... on InputError {
    fields {
      field
      messages
    }
  }
}
fragment SubscriptionFields on BillingSubscription {
  subscriptionId
  status
  interval
  price
  currentPeriod
  nextChargeAt
  trialEndsAt
  createdAt
  cancelledAt
  pendingPriceChange {
    priceChangeId
    price
    newPrice
    effectiveAt
    consentOpensAt
    consentDeadline
    onNoConsent
    consentedAt
  }
  billingKeyId
  cardCompany
  cardNumberMasked
  product {
    id
    name
  }
  charges {
    period
    status
    orderId
    paymentId
  }
}`) as unknown as TypedDocumentString<ConsentToPriceChangeMutation, ConsentToPriceChangeMutationVariables>;
export const MyIdentityDocument = new TypedDocumentString(`
    query MyIdentity {
  me {
    identity {
      verified
      adult
      expiresAt
    }
  }
}
    `) as unknown as TypedDocumentString<MyIdentityQuery, MyIdentityQueryVariables>;
export const VerifyIdentityDocument = new TypedDocumentString(`
    mutation VerifyIdentity($receiptId: String!) {
  verifyIdentity(receiptId: $receiptId) {
    __typename
    ... on VerifyIdentitySuccess {
      verification {
        adult
        expiresAt
      }
    }
    ...ErrorFields
  }
}
    fragment ErrorFields on Error {
  code
  message
  ... on InputError {
    fields {
      field
      messages
    }
  }
}`) as unknown as TypedDocumentString<VerifyIdentityMutation, VerifyIdentityMutationVariables>;
export const MyNotificationPreferencesDocument = new TypedDocumentString(`
    query MyNotificationPreferences {
  myNotificationPreferences {
    ...NotificationPreferencesFields
  }
}
    fragment NotificationPreferencesFields on NotificationPreferences {
  language
  emailOptOut
  alimtalkOptOut
  phoneMasked
  alwaysSent
}`) as unknown as TypedDocumentString<MyNotificationPreferencesQuery, MyNotificationPreferencesQueryVariables>;
export const UpdateNotificationPreferencesDocument = new TypedDocumentString(`
    mutation UpdateNotificationPreferences($language: String, $emailOptOut: Boolean, $alimtalkOptOut: Boolean, $phone: String) {
  updateNotificationPreferences(
    language: $language
    emailOptOut: $emailOptOut
    alimtalkOptOut: $alimtalkOptOut
    phone: $phone
  ) {
    __typename
    ... on UpdateNotificationPreferencesSuccess {
      notificationPreferences {
        ...NotificationPreferencesFields
      }
    }
    ...ErrorFields
  }
}
    fragment ErrorFields on Error {
  code
  message
  ... on InputError {
    fields {
      field
      messages
    }
  }
}
fragment NotificationPreferencesFields on NotificationPreferences {
  language
  emailOptOut
  alimtalkOptOut
  phoneMasked
  alwaysSent
}`) as unknown as TypedDocumentString<UpdateNotificationPreferencesMutation, UpdateNotificationPreferencesMutationVariables>;
export const SellerStatementDocument = new TypedDocumentString(`
    query SellerStatement($from: Date!, $to: Date!) {
  sellerStatement(from: $from, to: $to) {
    from
    to
    sellers {
      sellerId
      sellerName
      gross {
        total
        taxable
        taxFree
        count
      }
      refunds {
        total
        taxable
        taxFree
        count
      }
      net {
        total
        taxable
        taxFree
      }
      days {
        date
        gross {
          total
          count
        }
        refunds {
          total
          count
        }
        net {
          total
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<SellerStatementQuery, SellerStatementQueryVariables>;
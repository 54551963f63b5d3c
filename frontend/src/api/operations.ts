/** Every GraphQL operation the SPA sends. Run `npm run codegen` after editing (types land in src/gql). */
import { graphql } from '../gql';

export const ErrorFields = graphql(`
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
`);

export const PaymentFields = graphql(`
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
`);

export const PaymentActionsFields = graphql(`
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
`);

export const EscrowFields = graphql(`
  fragment EscrowFields on EscrowShipping {
    status
    courier
    trackingNumber
    registeredAt
    errorCode
  }
`);

export const OrderFields = graphql(`
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
`);

export const MeQuery = graphql(`
  query Me {
    me {
      username
      isStaff
      isSeller
    }
  }
`);

export const LoginMutation = graphql(`
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
`);

export const LogoutMutation = graphql(`
  mutation Logout {
    logout {
      ok
    }
  }
`);

export const ProductsQuery = graphql(`
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
`);

export const CheckoutConfigQuery = graphql(`
  query CheckoutConfig {
    checkoutConfig {
      webApplicationId
      widgetKey
      mode
      separatelyConfirmed
    }
  }
`);

// What a refund of a deposited virtual account asks for: the server's own bank list and account rule.
export const RefundAccountRulesQuery = graphql(`
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
`);

export const OrderQuery = graphql(`
  query Order($orderId: String!) {
    order(orderId: $orderId) {
      ...OrderFields
    }
  }
`);

export const CreateOrderMutation = graphql(`
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
`);

export const VerifyPaymentMutation = graphql(`
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
`);

export const ConfirmPaymentMutation = graphql(`
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
`);

export const CancelOrderMutation = graphql(`
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
`);

export const CancelPaymentMutation = graphql(`
  mutation CancelPayment(
    $paymentId: ID!
    $reason: String!
    $idempotencyKey: String!
    $itemIds: [ID!]
    $refund: RefundAccountInput
  ) {
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
`);

// Only the outcome's kind and error are read: the page loads the order again after a success.
export const RequestCashReceiptMutation = graphql(`
  mutation RequestCashReceipt($orderId: String!, $type: String!, $identifier: String!) {
    requestCashReceipt(orderId: $orderId, type: $type, identifier: $identifier) {
      __typename
      ...ErrorFields
    }
  }
`);

export const MyOrdersQuery = graphql(`
  query MyOrders {
    myOrders(first: 20) {
      edges {
        node {
          ...OrderFields
        }
      }
    }
  }
`);

export const SellerOrdersQuery = graphql(`
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
`);

export const MarkItemShippedMutation = graphql(`
  mutation MarkItemShipped($orderId: String!, $itemId: ID!, $courier: String, $trackingNumber: String) {
    markItemShipped(orderId: $orderId, itemId: $itemId, courier: $courier, trackingNumber: $trackingNumber) {
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
`);

// --- Automatic payments (subscriptions) -----------------------------------------------------------

export const BillingKeyFields = graphql(`
  fragment BillingKeyFields on BillingKey {
    billingKeyId
    cardCompany
    cardNumberMasked
    status
    createdAt
  }
`);

export const SubscriptionFields = graphql(`
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
`);

export const SubscribableProductQuery = graphql(`
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
`);

export const MyBillingKeysQuery = graphql(`
  query MyBillingKeys {
    myBillingKeys(first: 20) {
      edges {
        node {
          ...BillingKeyFields
        }
      }
    }
  }
`);

export const MySubscriptionsQuery = graphql(`
  query MySubscriptions {
    mySubscriptions(first: 50) {
      edges {
        node {
          ...SubscriptionFields
        }
      }
    }
  }
`);

export const RequestBillingKeyMutation = graphql(`
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
`);

export const RegisterBillingKeyMutation = graphql(`
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
`);

export const SubscribeMutation = graphql(`
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
`);

export const CancelSubscriptionMutation = graphql(`
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
`);

export const ConsentToPriceChangeMutation = graphql(`
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
`);

export const MyIdentityQuery = graphql(`
  query MyIdentity {
    me {
      identity {
        verified
        adult
        expiresAt
      }
    }
  }
`);

export const VerifyIdentityMutation = graphql(`
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
`);

// --- Notification preferences (알림 설정; docs/events.md "Notifications") ---------------------------------

export const NotificationPreferencesFields = graphql(`
  fragment NotificationPreferencesFields on NotificationPreferences {
    language
    emailOptOut
    alimtalkOptOut
    phoneMasked
    alwaysSent
  }
`);

export const MyNotificationPreferencesQuery = graphql(`
  query MyNotificationPreferences {
    myNotificationPreferences {
      ...NotificationPreferencesFields
    }
  }
`);

export const UpdateNotificationPreferencesMutation = graphql(`
  mutation UpdateNotificationPreferences(
    $language: String
    $emailOptOut: Boolean
    $alimtalkOptOut: Boolean
    $phone: String
  ) {
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
`);

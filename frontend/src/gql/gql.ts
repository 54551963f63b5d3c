/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment ErrorFields on Error {\n    code\n    message\n    ... on InputError {\n      fields {\n        field\n        messages\n      }\n    }\n  }\n": typeof types.ErrorFieldsFragmentDoc,
    "\n  fragment PaymentFields on Payment {\n    paymentId\n    receiptId\n    status\n    amount\n    taxFreeAmount\n    cancelledAmount\n    cancellableAmount\n    method\n    methodName\n    createdAt\n    virtualAccount {\n      bankCode\n      bankName\n      accountNumber\n      holder\n      dueAt\n    }\n    actions {\n      ...PaymentActionsFields\n    }\n  }\n": typeof types.PaymentFieldsFragmentDoc,
    "\n  fragment PaymentActionsFields on PaymentActions {\n    cancel\n    partialCancel\n    lineCancel\n    refundAccountRequired\n    reasons {\n      action\n      code\n      message\n    }\n  }\n": typeof types.PaymentActionsFieldsFragmentDoc,
    "\n  fragment EscrowFields on EscrowShipping {\n    status\n    courier\n    trackingNumber\n    registeredAt\n    errorCode\n  }\n": typeof types.EscrowFieldsFragmentDoc,
    "\n  fragment OrderFields on Order {\n    orderId\n    status\n    orderName\n    totalAmount\n    taxFreeAmount\n    expiresAt\n    createdAt\n    paidAt\n    escrowEligible\n    escrow {\n      ...EscrowFields\n    }\n    cashReceipt {\n      type\n      identifierMasked\n      approvalNo\n      amount\n      status\n      issuedAt\n    }\n    items {\n      id\n      productName\n      quantity\n      unitPrice\n      lineTotal\n      isTaxFree\n      status\n      shipped\n      courier\n      trackingNumber\n      shippedAt\n      seller {\n        id\n        name\n      }\n    }\n    payments {\n      ...PaymentFields\n    }\n  }\n": typeof types.OrderFieldsFragmentDoc,
    "\n  query Me {\n    me {\n      username\n      isStaff\n      isSeller\n    }\n  }\n": typeof types.MeDocument,
    "\n  mutation Login($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      __typename\n      ... on LoginSuccess {\n        user {\n          username\n          isStaff\n          isSeller\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.LoginDocument,
    "\n  mutation Logout {\n    logout {\n      ok\n    }\n  }\n": typeof types.LogoutDocument,
    "\n  query Products {\n    products(first: 50) {\n      edges {\n        node {\n          id\n          name\n          price\n          isTaxFree\n          adultOnly\n          stock\n          isActive\n          subscriptionInterval\n          seller {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": typeof types.ProductsDocument,
    "\n  query CheckoutConfig {\n    checkoutConfig {\n      webApplicationId\n      widgetKey\n      mode\n      separatelyConfirmed\n    }\n  }\n": typeof types.CheckoutConfigDocument,
    "\n  query RefundAccountRules {\n    checkoutConfig {\n      refundBanks {\n        code\n        name\n      }\n      refundAccountRule {\n        minDigits\n        maxDigits\n        holderMaxLength\n      }\n    }\n  }\n": typeof types.RefundAccountRulesDocument,
    "\n  query Order($orderId: String!) {\n    order(orderId: $orderId) {\n      ...OrderFields\n    }\n  }\n": typeof types.OrderDocument,
    "\n  mutation CreateOrder($input: CreateOrderInput!) {\n    createOrder(input: $input) {\n      __typename\n      ... on CreateOrderSuccess {\n        order {\n          ...OrderFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.CreateOrderDocument,
    "\n  mutation VerifyPayment($orderId: String!, $receiptId: String!) {\n    verifyPayment(orderId: $orderId, receiptId: $receiptId) {\n      __typename\n      ... on VerifyPaymentSuccess {\n        payment {\n          ...PaymentFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.VerifyPaymentDocument,
    "\n  mutation ConfirmPayment($paymentId: ID!) {\n    confirmPayment(paymentId: $paymentId) {\n      __typename\n      ... on ConfirmPaymentSuccess {\n        payment {\n          ...PaymentFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.ConfirmPaymentDocument,
    "\n  mutation CancelOrder($orderId: String!) {\n    cancelOrder(orderId: $orderId) {\n      __typename\n      ... on CancelOrderSuccess {\n        order {\n          ...OrderFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.CancelOrderDocument,
    "\n  mutation CancelPayment(\n    $paymentId: ID!\n    $reason: String!\n    $idempotencyKey: String!\n    $itemIds: [ID!]\n    $refund: RefundAccountInput\n  ) {\n    cancelPayment(\n      paymentId: $paymentId\n      reason: $reason\n      idempotencyKey: $idempotencyKey\n      itemIds: $itemIds\n      refund: $refund\n    ) {\n      __typename\n      ... on CancelPaymentSuccess {\n        cancellation {\n          cancelId\n          amount\n          state\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.CancelPaymentDocument,
    "\n  mutation RequestCashReceipt($orderId: String!, $type: String!, $identifier: String!) {\n    requestCashReceipt(orderId: $orderId, type: $type, identifier: $identifier) {\n      __typename\n      ...ErrorFields\n    }\n  }\n": typeof types.RequestCashReceiptDocument,
    "\n  query MyOrders {\n    myOrders(first: 20) {\n      edges {\n        node {\n          ...OrderFields\n        }\n      }\n    }\n  }\n": typeof types.MyOrdersDocument,
    "\n  query SellerOrders {\n    sellerOrders(first: 20) {\n      edges {\n        node {\n          orderId\n          status\n          createdAt\n          items {\n            id\n            productName\n            quantity\n            lineTotal\n            status\n            shipped\n            courier\n            trackingNumber\n            shippedAt\n          }\n          paymentId\n          paymentActions {\n            ...PaymentActionsFields\n          }\n          escrow {\n            ...EscrowFields\n          }\n        }\n      }\n    }\n  }\n": typeof types.SellerOrdersDocument,
    "\n  mutation MarkItemShipped($orderId: String!, $itemId: ID!, $courier: String, $trackingNumber: String) {\n    markItemShipped(orderId: $orderId, itemId: $itemId, courier: $courier, trackingNumber: $trackingNumber) {\n      __typename\n      ... on MarkItemShippedSuccess {\n        item {\n          id\n          shipped\n          courier\n          trackingNumber\n          shippedAt\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.MarkItemShippedDocument,
    "\n  fragment BillingKeyFields on BillingKey {\n    billingKeyId\n    cardCompany\n    cardNumberMasked\n    status\n    createdAt\n  }\n": typeof types.BillingKeyFieldsFragmentDoc,
    "\n  fragment SubscriptionFields on BillingSubscription {\n    subscriptionId\n    status\n    interval\n    price\n    currentPeriod\n    nextChargeAt\n    trialEndsAt\n    createdAt\n    cancelledAt\n    pendingPriceChange {\n      priceChangeId\n      price\n      newPrice\n      effectiveAt\n      consentOpensAt\n      consentDeadline\n      onNoConsent\n      consentedAt\n    }\n    billingKeyId\n    cardCompany\n    cardNumberMasked\n    product {\n      id\n      name\n    }\n    charges {\n      period\n      status\n      orderId\n      paymentId\n    }\n  }\n": typeof types.SubscriptionFieldsFragmentDoc,
    "\n  query SubscribableProduct($id: ID!) {\n    product(id: $id) {\n      id\n      name\n      price\n      isActive\n      stock\n      subscriptionInterval\n      trialDays\n      seller {\n        name\n      }\n    }\n  }\n": typeof types.SubscribableProductDocument,
    "\n  query MyBillingKeys {\n    myBillingKeys(first: 20) {\n      edges {\n        node {\n          ...BillingKeyFields\n        }\n      }\n    }\n  }\n": typeof types.MyBillingKeysDocument,
    "\n  query MySubscriptions {\n    mySubscriptions(first: 50) {\n      edges {\n        node {\n          ...SubscriptionFields\n        }\n      }\n    }\n  }\n": typeof types.MySubscriptionsDocument,
    "\n  mutation RequestBillingKey {\n    requestBillingKey {\n      __typename\n      ... on RequestBillingKeySuccess {\n        subscriptionId\n        orderName\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.RequestBillingKeyDocument,
    "\n  mutation RegisterBillingKey($receiptId: String!) {\n    registerBillingKey(receiptId: $receiptId) {\n      __typename\n      ... on RegisterBillingKeySuccess {\n        billingKey {\n          ...BillingKeyFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.RegisterBillingKeyDocument,
    "\n  mutation Subscribe($productId: ID!, $billingKeyId: ID!) {\n    subscribe(productId: $productId, billingKeyId: $billingKeyId) {\n      __typename\n      ... on SubscribeSuccess {\n        subscription {\n          ...SubscriptionFields\n        }\n      }\n      ... on OperationError {\n        details\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.SubscribeDocument,
    "\n  mutation CancelSubscription($subscriptionId: ID!) {\n    cancelSubscription(subscriptionId: $subscriptionId) {\n      __typename\n      ... on CancelSubscriptionSuccess {\n        subscription {\n          ...SubscriptionFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.CancelSubscriptionDocument,
    "\n  mutation ConsentToPriceChange($subscriptionId: ID!) {\n    consentToPriceChange(subscriptionId: $subscriptionId) {\n      __typename\n      ... on ConsentToPriceChangeSuccess {\n        subscription {\n          ...SubscriptionFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.ConsentToPriceChangeDocument,
    "\n  query MyIdentity {\n    me {\n      identity {\n        verified\n        adult\n        expiresAt\n      }\n    }\n  }\n": typeof types.MyIdentityDocument,
    "\n  mutation VerifyIdentity($receiptId: String!) {\n    verifyIdentity(receiptId: $receiptId) {\n      __typename\n      ... on VerifyIdentitySuccess {\n        verification {\n          adult\n          expiresAt\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.VerifyIdentityDocument,
    "\n  fragment NotificationPreferencesFields on NotificationPreferences {\n    language\n    emailOptOut\n    alimtalkOptOut\n    phoneMasked\n    alwaysSent\n  }\n": typeof types.NotificationPreferencesFieldsFragmentDoc,
    "\n  query MyNotificationPreferences {\n    myNotificationPreferences {\n      ...NotificationPreferencesFields\n    }\n  }\n": typeof types.MyNotificationPreferencesDocument,
    "\n  mutation UpdateNotificationPreferences(\n    $language: String\n    $emailOptOut: Boolean\n    $alimtalkOptOut: Boolean\n    $phone: String\n  ) {\n    updateNotificationPreferences(\n      language: $language\n      emailOptOut: $emailOptOut\n      alimtalkOptOut: $alimtalkOptOut\n      phone: $phone\n    ) {\n      __typename\n      ... on UpdateNotificationPreferencesSuccess {\n        notificationPreferences {\n          ...NotificationPreferencesFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": typeof types.UpdateNotificationPreferencesDocument,
    "\n  query SellerStatement($from: Date!, $to: Date!) {\n    sellerStatement(from: $from, to: $to) {\n      from\n      to\n      sellers {\n        sellerId\n        sellerName\n        gross {\n          total\n          taxable\n          taxFree\n          count\n        }\n        refunds {\n          total\n          taxable\n          taxFree\n          count\n        }\n        net {\n          total\n          taxable\n          taxFree\n        }\n        days {\n          date\n          gross {\n            total\n            count\n          }\n          refunds {\n            total\n            count\n          }\n          net {\n            total\n          }\n        }\n      }\n    }\n  }\n": typeof types.SellerStatementDocument,
};
const documents: Documents = {
    "\n  fragment ErrorFields on Error {\n    code\n    message\n    ... on InputError {\n      fields {\n        field\n        messages\n      }\n    }\n  }\n": types.ErrorFieldsFragmentDoc,
    "\n  fragment PaymentFields on Payment {\n    paymentId\n    receiptId\n    status\n    amount\n    taxFreeAmount\n    cancelledAmount\n    cancellableAmount\n    method\n    methodName\n    createdAt\n    virtualAccount {\n      bankCode\n      bankName\n      accountNumber\n      holder\n      dueAt\n    }\n    actions {\n      ...PaymentActionsFields\n    }\n  }\n": types.PaymentFieldsFragmentDoc,
    "\n  fragment PaymentActionsFields on PaymentActions {\n    cancel\n    partialCancel\n    lineCancel\n    refundAccountRequired\n    reasons {\n      action\n      code\n      message\n    }\n  }\n": types.PaymentActionsFieldsFragmentDoc,
    "\n  fragment EscrowFields on EscrowShipping {\n    status\n    courier\n    trackingNumber\n    registeredAt\n    errorCode\n  }\n": types.EscrowFieldsFragmentDoc,
    "\n  fragment OrderFields on Order {\n    orderId\n    status\n    orderName\n    totalAmount\n    taxFreeAmount\n    expiresAt\n    createdAt\n    paidAt\n    escrowEligible\n    escrow {\n      ...EscrowFields\n    }\n    cashReceipt {\n      type\n      identifierMasked\n      approvalNo\n      amount\n      status\n      issuedAt\n    }\n    items {\n      id\n      productName\n      quantity\n      unitPrice\n      lineTotal\n      isTaxFree\n      status\n      shipped\n      courier\n      trackingNumber\n      shippedAt\n      seller {\n        id\n        name\n      }\n    }\n    payments {\n      ...PaymentFields\n    }\n  }\n": types.OrderFieldsFragmentDoc,
    "\n  query Me {\n    me {\n      username\n      isStaff\n      isSeller\n    }\n  }\n": types.MeDocument,
    "\n  mutation Login($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      __typename\n      ... on LoginSuccess {\n        user {\n          username\n          isStaff\n          isSeller\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.LoginDocument,
    "\n  mutation Logout {\n    logout {\n      ok\n    }\n  }\n": types.LogoutDocument,
    "\n  query Products {\n    products(first: 50) {\n      edges {\n        node {\n          id\n          name\n          price\n          isTaxFree\n          adultOnly\n          stock\n          isActive\n          subscriptionInterval\n          seller {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": types.ProductsDocument,
    "\n  query CheckoutConfig {\n    checkoutConfig {\n      webApplicationId\n      widgetKey\n      mode\n      separatelyConfirmed\n    }\n  }\n": types.CheckoutConfigDocument,
    "\n  query RefundAccountRules {\n    checkoutConfig {\n      refundBanks {\n        code\n        name\n      }\n      refundAccountRule {\n        minDigits\n        maxDigits\n        holderMaxLength\n      }\n    }\n  }\n": types.RefundAccountRulesDocument,
    "\n  query Order($orderId: String!) {\n    order(orderId: $orderId) {\n      ...OrderFields\n    }\n  }\n": types.OrderDocument,
    "\n  mutation CreateOrder($input: CreateOrderInput!) {\n    createOrder(input: $input) {\n      __typename\n      ... on CreateOrderSuccess {\n        order {\n          ...OrderFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.CreateOrderDocument,
    "\n  mutation VerifyPayment($orderId: String!, $receiptId: String!) {\n    verifyPayment(orderId: $orderId, receiptId: $receiptId) {\n      __typename\n      ... on VerifyPaymentSuccess {\n        payment {\n          ...PaymentFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.VerifyPaymentDocument,
    "\n  mutation ConfirmPayment($paymentId: ID!) {\n    confirmPayment(paymentId: $paymentId) {\n      __typename\n      ... on ConfirmPaymentSuccess {\n        payment {\n          ...PaymentFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.ConfirmPaymentDocument,
    "\n  mutation CancelOrder($orderId: String!) {\n    cancelOrder(orderId: $orderId) {\n      __typename\n      ... on CancelOrderSuccess {\n        order {\n          ...OrderFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.CancelOrderDocument,
    "\n  mutation CancelPayment(\n    $paymentId: ID!\n    $reason: String!\n    $idempotencyKey: String!\n    $itemIds: [ID!]\n    $refund: RefundAccountInput\n  ) {\n    cancelPayment(\n      paymentId: $paymentId\n      reason: $reason\n      idempotencyKey: $idempotencyKey\n      itemIds: $itemIds\n      refund: $refund\n    ) {\n      __typename\n      ... on CancelPaymentSuccess {\n        cancellation {\n          cancelId\n          amount\n          state\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.CancelPaymentDocument,
    "\n  mutation RequestCashReceipt($orderId: String!, $type: String!, $identifier: String!) {\n    requestCashReceipt(orderId: $orderId, type: $type, identifier: $identifier) {\n      __typename\n      ...ErrorFields\n    }\n  }\n": types.RequestCashReceiptDocument,
    "\n  query MyOrders {\n    myOrders(first: 20) {\n      edges {\n        node {\n          ...OrderFields\n        }\n      }\n    }\n  }\n": types.MyOrdersDocument,
    "\n  query SellerOrders {\n    sellerOrders(first: 20) {\n      edges {\n        node {\n          orderId\n          status\n          createdAt\n          items {\n            id\n            productName\n            quantity\n            lineTotal\n            status\n            shipped\n            courier\n            trackingNumber\n            shippedAt\n          }\n          paymentId\n          paymentActions {\n            ...PaymentActionsFields\n          }\n          escrow {\n            ...EscrowFields\n          }\n        }\n      }\n    }\n  }\n": types.SellerOrdersDocument,
    "\n  mutation MarkItemShipped($orderId: String!, $itemId: ID!, $courier: String, $trackingNumber: String) {\n    markItemShipped(orderId: $orderId, itemId: $itemId, courier: $courier, trackingNumber: $trackingNumber) {\n      __typename\n      ... on MarkItemShippedSuccess {\n        item {\n          id\n          shipped\n          courier\n          trackingNumber\n          shippedAt\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.MarkItemShippedDocument,
    "\n  fragment BillingKeyFields on BillingKey {\n    billingKeyId\n    cardCompany\n    cardNumberMasked\n    status\n    createdAt\n  }\n": types.BillingKeyFieldsFragmentDoc,
    "\n  fragment SubscriptionFields on BillingSubscription {\n    subscriptionId\n    status\n    interval\n    price\n    currentPeriod\n    nextChargeAt\n    trialEndsAt\n    createdAt\n    cancelledAt\n    pendingPriceChange {\n      priceChangeId\n      price\n      newPrice\n      effectiveAt\n      consentOpensAt\n      consentDeadline\n      onNoConsent\n      consentedAt\n    }\n    billingKeyId\n    cardCompany\n    cardNumberMasked\n    product {\n      id\n      name\n    }\n    charges {\n      period\n      status\n      orderId\n      paymentId\n    }\n  }\n": types.SubscriptionFieldsFragmentDoc,
    "\n  query SubscribableProduct($id: ID!) {\n    product(id: $id) {\n      id\n      name\n      price\n      isActive\n      stock\n      subscriptionInterval\n      trialDays\n      seller {\n        name\n      }\n    }\n  }\n": types.SubscribableProductDocument,
    "\n  query MyBillingKeys {\n    myBillingKeys(first: 20) {\n      edges {\n        node {\n          ...BillingKeyFields\n        }\n      }\n    }\n  }\n": types.MyBillingKeysDocument,
    "\n  query MySubscriptions {\n    mySubscriptions(first: 50) {\n      edges {\n        node {\n          ...SubscriptionFields\n        }\n      }\n    }\n  }\n": types.MySubscriptionsDocument,
    "\n  mutation RequestBillingKey {\n    requestBillingKey {\n      __typename\n      ... on RequestBillingKeySuccess {\n        subscriptionId\n        orderName\n      }\n      ...ErrorFields\n    }\n  }\n": types.RequestBillingKeyDocument,
    "\n  mutation RegisterBillingKey($receiptId: String!) {\n    registerBillingKey(receiptId: $receiptId) {\n      __typename\n      ... on RegisterBillingKeySuccess {\n        billingKey {\n          ...BillingKeyFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.RegisterBillingKeyDocument,
    "\n  mutation Subscribe($productId: ID!, $billingKeyId: ID!) {\n    subscribe(productId: $productId, billingKeyId: $billingKeyId) {\n      __typename\n      ... on SubscribeSuccess {\n        subscription {\n          ...SubscriptionFields\n        }\n      }\n      ... on OperationError {\n        details\n      }\n      ...ErrorFields\n    }\n  }\n": types.SubscribeDocument,
    "\n  mutation CancelSubscription($subscriptionId: ID!) {\n    cancelSubscription(subscriptionId: $subscriptionId) {\n      __typename\n      ... on CancelSubscriptionSuccess {\n        subscription {\n          ...SubscriptionFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.CancelSubscriptionDocument,
    "\n  mutation ConsentToPriceChange($subscriptionId: ID!) {\n    consentToPriceChange(subscriptionId: $subscriptionId) {\n      __typename\n      ... on ConsentToPriceChangeSuccess {\n        subscription {\n          ...SubscriptionFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.ConsentToPriceChangeDocument,
    "\n  query MyIdentity {\n    me {\n      identity {\n        verified\n        adult\n        expiresAt\n      }\n    }\n  }\n": types.MyIdentityDocument,
    "\n  mutation VerifyIdentity($receiptId: String!) {\n    verifyIdentity(receiptId: $receiptId) {\n      __typename\n      ... on VerifyIdentitySuccess {\n        verification {\n          adult\n          expiresAt\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.VerifyIdentityDocument,
    "\n  fragment NotificationPreferencesFields on NotificationPreferences {\n    language\n    emailOptOut\n    alimtalkOptOut\n    phoneMasked\n    alwaysSent\n  }\n": types.NotificationPreferencesFieldsFragmentDoc,
    "\n  query MyNotificationPreferences {\n    myNotificationPreferences {\n      ...NotificationPreferencesFields\n    }\n  }\n": types.MyNotificationPreferencesDocument,
    "\n  mutation UpdateNotificationPreferences(\n    $language: String\n    $emailOptOut: Boolean\n    $alimtalkOptOut: Boolean\n    $phone: String\n  ) {\n    updateNotificationPreferences(\n      language: $language\n      emailOptOut: $emailOptOut\n      alimtalkOptOut: $alimtalkOptOut\n      phone: $phone\n    ) {\n      __typename\n      ... on UpdateNotificationPreferencesSuccess {\n        notificationPreferences {\n          ...NotificationPreferencesFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n": types.UpdateNotificationPreferencesDocument,
    "\n  query SellerStatement($from: Date!, $to: Date!) {\n    sellerStatement(from: $from, to: $to) {\n      from\n      to\n      sellers {\n        sellerId\n        sellerName\n        gross {\n          total\n          taxable\n          taxFree\n          count\n        }\n        refunds {\n          total\n          taxable\n          taxFree\n          count\n        }\n        net {\n          total\n          taxable\n          taxFree\n        }\n        days {\n          date\n          gross {\n            total\n            count\n          }\n          refunds {\n            total\n            count\n          }\n          net {\n            total\n          }\n        }\n      }\n    }\n  }\n": types.SellerStatementDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ErrorFields on Error {\n    code\n    message\n    ... on InputError {\n      fields {\n        field\n        messages\n      }\n    }\n  }\n"): typeof import('./graphql').ErrorFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment PaymentFields on Payment {\n    paymentId\n    receiptId\n    status\n    amount\n    taxFreeAmount\n    cancelledAmount\n    cancellableAmount\n    method\n    methodName\n    createdAt\n    virtualAccount {\n      bankCode\n      bankName\n      accountNumber\n      holder\n      dueAt\n    }\n    actions {\n      ...PaymentActionsFields\n    }\n  }\n"): typeof import('./graphql').PaymentFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment PaymentActionsFields on PaymentActions {\n    cancel\n    partialCancel\n    lineCancel\n    refundAccountRequired\n    reasons {\n      action\n      code\n      message\n    }\n  }\n"): typeof import('./graphql').PaymentActionsFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment EscrowFields on EscrowShipping {\n    status\n    courier\n    trackingNumber\n    registeredAt\n    errorCode\n  }\n"): typeof import('./graphql').EscrowFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment OrderFields on Order {\n    orderId\n    status\n    orderName\n    totalAmount\n    taxFreeAmount\n    expiresAt\n    createdAt\n    paidAt\n    escrowEligible\n    escrow {\n      ...EscrowFields\n    }\n    cashReceipt {\n      type\n      identifierMasked\n      approvalNo\n      amount\n      status\n      issuedAt\n    }\n    items {\n      id\n      productName\n      quantity\n      unitPrice\n      lineTotal\n      isTaxFree\n      status\n      shipped\n      courier\n      trackingNumber\n      shippedAt\n      seller {\n        id\n        name\n      }\n    }\n    payments {\n      ...PaymentFields\n    }\n  }\n"): typeof import('./graphql').OrderFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me {\n      username\n      isStaff\n      isSeller\n    }\n  }\n"): typeof import('./graphql').MeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Login($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      __typename\n      ... on LoginSuccess {\n        user {\n          username\n          isStaff\n          isSeller\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): typeof import('./graphql').LoginDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Logout {\n    logout {\n      ok\n    }\n  }\n"): typeof import('./graphql').LogoutDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Products {\n    products(first: 50) {\n      edges {\n        node {\n          id\n          name\n          price\n          isTaxFree\n          adultOnly\n          stock\n          isActive\n          subscriptionInterval\n          seller {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').ProductsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CheckoutConfig {\n    checkoutConfig {\n      webApplicationId\n      widgetKey\n      mode\n      separatelyConfirmed\n    }\n  }\n"): typeof import('./graphql').CheckoutConfigDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RefundAccountRules {\n    checkoutConfig {\n      refundBanks {\n        code\n        name\n      }\n      refundAccountRule {\n        minDigits\n        maxDigits\n        holderMaxLength\n      }\n    }\n  }\n"): typeof import('./graphql').RefundAccountRulesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Order($orderId: String!) {\n    order(orderId: $orderId) {\n      ...OrderFields\n    }\n  }\n"): typeof import('./graphql').OrderDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateOrder($input: CreateOrderInput!) {\n    createOrder(input: $input) {\n      __typename\n      ... on CreateOrderSuccess {\n        order {\n          ...OrderFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): typeof import('./graphql').CreateOrderDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation VerifyPayment($orderId: String!, $receiptId: String!) {\n    verifyPayment(orderId: $orderId, receiptId: $receiptId) {\n      __typename\n      ... on VerifyPaymentSuccess {\n        payment {\n          ...PaymentFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): typeof import('./graphql').VerifyPaymentDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConfirmPayment($paymentId: ID!) {\n    confirmPayment(paymentId: $paymentId) {\n      __typename\n      ... on ConfirmPaymentSuccess {\n        payment {\n          ...PaymentFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): typeof import('./graphql').ConfirmPaymentDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelOrder($orderId: String!) {\n    cancelOrder(orderId: $orderId) {\n      __typename\n      ... on CancelOrderSuccess {\n        order {\n          ...OrderFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): typeof import('./graphql').CancelOrderDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelPayment(\n    $paymentId: ID!\n    $reason: String!\n    $idempotencyKey: String!\n    $itemIds: [ID!]\n    $refund: RefundAccountInput\n  ) {\n    cancelPayment(\n      paymentId: $paymentId\n      reason: $reason\n      idempotencyKey: $idempotencyKey\n      itemIds: $itemIds\n      refund: $refund\n    ) {\n      __typename\n      ... on CancelPaymentSuccess {\n        cancellation {\n          cancelId\n          amount\n          state\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): typeof import('./graphql').CancelPaymentDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequestCashReceipt($orderId: String!, $type: String!, $identifier: String!) {\n    requestCashReceipt(orderId: $orderId, type: $type, identifier: $identifier) {\n      __typename\n      ...ErrorFields\n    }\n  }\n"): typeof import('./graphql').RequestCashReceiptDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyOrders {\n    myOrders(first: 20) {\n      edges {\n        node {\n          ...OrderFields\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').MyOrdersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SellerOrders {\n    sellerOrders(first: 20) {\n      edges {\n        node {\n          orderId\n          status\n          createdAt\n          items {\n            id\n            productName\n            quantity\n            lineTotal\n            status\n            shipped\n            courier\n            trackingNumber\n            shippedAt\n          }\n          paymentId\n          paymentActions {\n            ...PaymentActionsFields\n          }\n          escrow {\n            ...EscrowFields\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').SellerOrdersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MarkItemShipped($orderId: String!, $itemId: ID!, $courier: String, $trackingNumber: String) {\n    markItemShipped(orderId: $orderId, itemId: $itemId, courier: $courier, trackingNumber: $trackingNumber) {\n      __typename\n      ... on MarkItemShippedSuccess {\n        item {\n          id\n          shipped\n          courier\n          trackingNumber\n          shippedAt\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): typeof import('./graphql').MarkItemShippedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment BillingKeyFields on BillingKey {\n    billingKeyId\n    cardCompany\n    cardNumberMasked\n    status\n    createdAt\n  }\n"): typeof import('./graphql').BillingKeyFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SubscriptionFields on BillingSubscription {\n    subscriptionId\n    status\n    interval\n    price\n    currentPeriod\n    nextChargeAt\n    trialEndsAt\n    createdAt\n    cancelledAt\n    pendingPriceChange {\n      priceChangeId\n      price\n      newPrice\n      effectiveAt\n      consentOpensAt\n      consentDeadline\n      onNoConsent\n      consentedAt\n    }\n    billingKeyId\n    cardCompany\n    cardNumberMasked\n    product {\n      id\n      name\n    }\n    charges {\n      period\n      status\n      orderId\n      paymentId\n    }\n  }\n"): typeof import('./graphql').SubscriptionFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SubscribableProduct($id: ID!) {\n    product(id: $id) {\n      id\n      name\n      price\n      isActive\n      stock\n      subscriptionInterval\n      trialDays\n      seller {\n        name\n      }\n    }\n  }\n"): typeof import('./graphql').SubscribableProductDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyBillingKeys {\n    myBillingKeys(first: 20) {\n      edges {\n        node {\n          ...BillingKeyFields\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').MyBillingKeysDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MySubscriptions {\n    mySubscriptions(first: 50) {\n      edges {\n        node {\n          ...SubscriptionFields\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').MySubscriptionsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequestBillingKey {\n    requestBillingKey {\n      __typename\n      ... on RequestBillingKeySuccess {\n        subscriptionId\n        orderName\n      }\n      ...ErrorFields\n    }\n  }\n"): typeof import('./graphql').RequestBillingKeyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RegisterBillingKey($receiptId: String!) {\n    registerBillingKey(receiptId: $receiptId) {\n      __typename\n      ... on RegisterBillingKeySuccess {\n        billingKey {\n          ...BillingKeyFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): typeof import('./graphql').RegisterBillingKeyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Subscribe($productId: ID!, $billingKeyId: ID!) {\n    subscribe(productId: $productId, billingKeyId: $billingKeyId) {\n      __typename\n      ... on SubscribeSuccess {\n        subscription {\n          ...SubscriptionFields\n        }\n      }\n      ... on OperationError {\n        details\n      }\n      ...ErrorFields\n    }\n  }\n"): typeof import('./graphql').SubscribeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelSubscription($subscriptionId: ID!) {\n    cancelSubscription(subscriptionId: $subscriptionId) {\n      __typename\n      ... on CancelSubscriptionSuccess {\n        subscription {\n          ...SubscriptionFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): typeof import('./graphql').CancelSubscriptionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsentToPriceChange($subscriptionId: ID!) {\n    consentToPriceChange(subscriptionId: $subscriptionId) {\n      __typename\n      ... on ConsentToPriceChangeSuccess {\n        subscription {\n          ...SubscriptionFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): typeof import('./graphql').ConsentToPriceChangeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyIdentity {\n    me {\n      identity {\n        verified\n        adult\n        expiresAt\n      }\n    }\n  }\n"): typeof import('./graphql').MyIdentityDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation VerifyIdentity($receiptId: String!) {\n    verifyIdentity(receiptId: $receiptId) {\n      __typename\n      ... on VerifyIdentitySuccess {\n        verification {\n          adult\n          expiresAt\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): typeof import('./graphql').VerifyIdentityDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment NotificationPreferencesFields on NotificationPreferences {\n    language\n    emailOptOut\n    alimtalkOptOut\n    phoneMasked\n    alwaysSent\n  }\n"): typeof import('./graphql').NotificationPreferencesFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyNotificationPreferences {\n    myNotificationPreferences {\n      ...NotificationPreferencesFields\n    }\n  }\n"): typeof import('./graphql').MyNotificationPreferencesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateNotificationPreferences(\n    $language: String\n    $emailOptOut: Boolean\n    $alimtalkOptOut: Boolean\n    $phone: String\n  ) {\n    updateNotificationPreferences(\n      language: $language\n      emailOptOut: $emailOptOut\n      alimtalkOptOut: $alimtalkOptOut\n      phone: $phone\n    ) {\n      __typename\n      ... on UpdateNotificationPreferencesSuccess {\n        notificationPreferences {\n          ...NotificationPreferencesFields\n        }\n      }\n      ...ErrorFields\n    }\n  }\n"): typeof import('./graphql').UpdateNotificationPreferencesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SellerStatement($from: Date!, $to: Date!) {\n    sellerStatement(from: $from, to: $to) {\n      from\n      to\n      sellers {\n        sellerId\n        sellerName\n        gross {\n          total\n          taxable\n          taxFree\n          count\n        }\n        refunds {\n          total\n          taxable\n          taxFree\n          count\n        }\n        net {\n          total\n          taxable\n          taxFree\n        }\n        days {\n          date\n          gross {\n            total\n            count\n          }\n          refunds {\n            total\n            count\n          }\n          net {\n            total\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').SellerStatementDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

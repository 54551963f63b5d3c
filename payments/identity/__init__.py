"""Identity verification (본인인증) and adult-only products, a capability built on the payment core:
docs/identity.md."""

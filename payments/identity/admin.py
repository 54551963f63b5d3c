"""Staff see who was verified when, and whether as an adult; never anything that identifies the person
(there is nothing personal stored), and nothing can be edited: a verification is Bootpay's word."""

from django.contrib import admin

from payments.identity.models import IdentitySmsChallenge, IdentityVerification


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IdentityVerification)
class IdentityVerificationAdmin(_ReadOnly):
    list_display = ["id", "user", "method", "adult", "verified_at", "expires_at", "receipt_id"]
    list_filter = ["method", "adult", "verified_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "receipt_id"]
    # The person hash is left out: it means nothing to a reader, and need not be copied anywhere.
    fields = ["user", "method", "adult", "verified_at", "expires_at", "receipt_id", "created_at"]
    readonly_fields = fields
    date_hierarchy = "verified_at"


@admin.register(IdentitySmsChallenge)
class IdentitySmsChallengeAdmin(_ReadOnly):
    list_display = ["id", "user", "authentication_id", "receipt_id", "resends", "created_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "receipt_id", "authentication_id"]
    fields = ["user", "authentication_id", "receipt_id", "resends", "created_at"]
    readonly_fields = fields

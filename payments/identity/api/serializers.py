"""Output serializers of the identity endpoints: never a name, birth date, phone or CI."""

from rest_framework import serializers


class IdentityVerificationOutputSerializer(serializers.Serializer):
    verified_at = serializers.DateTimeField(help_text="When Bootpay verified the person.")
    adult = serializers.BooleanField(
        help_text="Not a 청소년 under 청소년보호법 제2조제1호 (born in or before this year − 19)."
    )
    expires_at = serializers.DateTimeField(help_text="Until when it counts for adult-only orders.")


class IdentityStateOutputSerializer(serializers.Serializer):
    verified = serializers.BooleanField(help_text="The account has a verification that has not expired.")
    adult = serializers.BooleanField(help_text="... of an adult: the account may order adult-only products.")
    verified_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)


class IdentitySmsOutputSerializer(serializers.Serializer):
    handle = serializers.CharField(
        source="receipt_id", help_text="Pass it to sms/confirm/ with the code, or to sms/resend/."
    )
    resends = serializers.IntegerField(help_text="How many times the code was sent again.")

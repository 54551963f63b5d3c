from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SandboxConfig(AppConfig):
    """The local Bootpay emulator as an app of its own, for its `bootpay_sandbox` command; installed only
    outside BOOTPAY_MODE=production (config/settings.py), so production never imports it."""

    name = "payments.sandbox"
    label = "bootpay_sandbox"
    verbose_name = _("Bootpay sandbox emulator")

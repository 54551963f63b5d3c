"""Demo catalogue (two products sold by subscription) and users for the local quickstart. Safe to run
repeatedly."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from orders.models import Product, Seller

DEMO_PASSWORD = "demo-pass-1234"

# (name, price, tax-free, stock, subscription interval: "" = not sold by subscription)
SELLERS = {
    "seoul-coffee": (
        "서울커피",
        [
            ("에티오피아 원두 200g", 18_000, False, 50, ""),
            ("콜드브루 세트", 32_000, False, 20, ""),
            ("원두 정기배송 200g", 16_000, False, 200, "month"),
        ],
    ),
    "jeju-farm": (
        "제주농장",
        [
            ("제주 감귤 5kg", 25_000, True, 30, ""),
            ("한라봉 3kg", 39_000, True, 10, ""),
            ("제철 과일 꾸러미", 29_000, True, 100, "week"),
            ("제주 전통주 선물세트", 45_000, False, 20, ""),
        ],
    ),
    "hanok-books": (
        "한옥서점",
        [("한국 현대 단편선", 15_000, True, 40, ""), ("북마크 세트", 6_000, False, 100, "")],
    ),
}


# Sold to verified adults only (본인인증; docs/identity.md): the shop's 성인 인증 step can be tried with it.
ADULT_ONLY = frozenset({"제주 전통주 선물세트"})


class Command(BaseCommand):
    help = "Create demo sellers, products, a buyer and a staff user, and print their credentials."

    def handle(self, *args, **options):
        if not settings.IS_LOCAL:
            raise CommandError("seed_demo creates accounts with a known password: local/dev only.")
        users = get_user_model()
        with transaction.atomic():
            for username, (shop_name, products) in SELLERS.items():
                user = self._user(users, username)
                seller, _ = Seller.objects.get_or_create(user=user, defaults={"name": shop_name})
                for name, price, tax_free, stock, interval in products:
                    Product.objects.get_or_create(
                        seller=seller,
                        name=name,
                        defaults={
                            "price": price,
                            "is_tax_free": tax_free,
                            "stock": stock,
                            "subscription_interval": interval,
                            "adult_only": name in ADULT_ONLY,
                        },
                    )
            self._user(users, "buyer")
            self._user(users, "buyer2")
            staff = self._user(users, "staff")
            if not staff.is_staff:
                staff.is_staff = staff.is_superuser = True
                staff.save(update_fields=["is_staff", "is_superuser"])

        self.stdout.write(self.style.SUCCESS("Demo data ready. Every demo account uses the same password."))
        self.stdout.write(f"  password: {DEMO_PASSWORD}")
        self.stdout.write("  buyers:   buyer, buyer2")
        self.stdout.write(f"  sellers:  {', '.join(SELLERS)}")
        self.stdout.write("  staff:    staff (also Django admin superuser)")
        self.stdout.write(f"  products: {Product.objects.filter(is_active=True).count()} active")
        subscribable = Product.objects.filter(is_active=True).exclude(subscription_interval="")
        self.stdout.write(f"  subscriptions: {', '.join(subscribable.values_list('name', flat=True))}")
        adult_only = Product.objects.filter(is_active=True, adult_only=True)
        self.stdout.write(f"  adult-only (성인 인증): {', '.join(adult_only.values_list('name', flat=True))}")

    @staticmethod
    def _user(users, username: str):
        user, created = users.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

"""One `Money` for the core and the statements: amount and tax-free part; taxable and total derived."""

from payments.money import Money
from payments.services import Money as ServicesMoney
from payments.statements.selectors import CountedMoney
from payments.statements.selectors import Money as StatementsMoney


def test_the_services_and_the_statements_share_one_money():
    assert ServicesMoney is Money is StatementsMoney
    assert issubclass(CountedMoney, Money)


def test_its_parts_always_add_up():
    money = Money.of(taxable=10_000, tax_free=2_500)

    assert (money.amount, money.total, money.taxable, money.tax_free) == (12_500, 12_500, 10_000, 2_500)
    assert money == Money(amount=12_500, tax_free=2_500)

from django import template

from credits import selectors

register = template.Library()

SYMBOLS = {"eur": "€", "usd": "$", "gbp": "£"}
ZERO_DECIMAL = {"jpy", "krw", "clp", "vnd", "xof", "xaf", "ugx", "rwf", "pyg", "mga", "kmf", "gnf", "djf", "bif",
                "vuv", "xpf"}


@register.filter
def money(amount: int, currency: str = "eur") -> str:
    """Minor units to text with integer arithmetic: money(2000, "eur") -> "€20.00"."""
    currency = (currency or "").lower()
    amount = int(amount)
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    number = f"{amount:,}" if currency in ZERO_DECIMAL else f"{amount // 100:,}.{amount % 100:02d}"
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency.upper()}"


@register.simple_tag
def credit_packs():
    return list(selectors.packs_on_sale())


@register.simple_tag
def credit_prices():
    return list(selectors.price_list())


@register.simple_tag
def signup_grant_credits():
    from django.conf import settings

    return settings.SIGNUP_GRANT_CREDITS


@register.filter
def pack_subtitle(pack) -> str:
    """"2,000 credits" under a pack's name, unless the name already says exactly that."""
    text = f"{pack.credits:,} credits"
    return "" if pack.name.strip().lower() == text.lower() else text

"""A small fixed-window rate limit on the shared cache (Redis in production)."""

from django.core.cache import cache


def allow(*, key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit for ``key``; False once more than ``limit`` hits fall in the window."""
    cache_key = f"ratelimit:{key}"
    if cache.add(cache_key, 1, timeout=window_seconds):
        return True
    try:
        return cache.incr(cache_key) <= limit
    except ValueError:  # expired between add() and incr()
        cache.add(cache_key, 1, timeout=window_seconds)
        return True


def client_ip(request) -> str:
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return (forwarded.split(",")[0].strip() if forwarded else "") or request.META.get("REMOTE_ADDR", "")

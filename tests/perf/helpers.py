import statistics
import time
from contextlib import contextmanager


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)

    def pick(p):
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]

    return {"p50": pick(50), "p95": pick(95), "mean": statistics.fmean(ordered)}


def timed_ms(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(title: str, **figures) -> None:
    parts = [f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()]
    print(f"\n[bench] {title}: " + ", ".join(parts), flush=True)


@contextmanager
def production_rendering():
    """Time templates as production renders them.

    pytest-django's test environment instruments every template render (it sends a signal
    carrying a copy of the context, for the test client to collect); production does not
    pay that, so benchmarks switch it off while they time."""
    from django.template import Template
    from django.test.utils import _TestState

    instrumented = Template._render
    # setup_test_environment() keeps the renderer it replaced here (Template has no
    # _original_render attribute: looking for one silently kept the instrumented renderer).
    saved = getattr(_TestState, "saved_data", None)
    Template._render = getattr(saved, "template_render", instrumented)
    try:
        yield
    finally:
        Template._render = instrumented

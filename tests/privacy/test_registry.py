from django.apps import apps

from privacy.exports import EXPORT_FILES
from privacy.registry import ERASED, EXPORTED, FATES, IGNORED, NOT_PERSONAL, RETAINED_ANONYMISED


def test_every_model_has_a_privacy_fate():
    labels = {model._meta.label for model in apps.get_models()}
    unlisted = labels - set(FATES) - set(IGNORED)
    assert not unlisted, f"Give these models a fate in privacy/registry.py: {sorted(unlisted)}"


def test_the_registry_lists_no_stale_models_and_gives_reasons():
    labels = {model._meta.label for model in apps.get_models()}
    assert not (set(FATES) | set(IGNORED)) - labels
    assert not set(FATES) & set(IGNORED)
    for label, fate in FATES.items():
        assert fate.fate in (EXPORTED, ERASED, RETAINED_ANONYMISED, NOT_PERSONAL), label
        assert len(fate.reason) > 10, label
    assert all(len(reason) > 10 for reason in IGNORED.values())


def test_exported_models_name_their_export_file():
    files = {item.name for item in EXPORT_FILES}
    for label, fate in FATES.items():
        if fate.fate == EXPORTED or "csv" in fate.reason or "json" in fate.reason:
            named = [word.rstrip(";,.()") for word in fate.reason.split() if "." in word and
                     word.rstrip(";,.()").split(".")[-1] in ("json", "csv", "txt")]
            assert named and all(name in files for name in named), label

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from dashboard.inputs import NAME_PATTERN

# What each kind's confirmation posts back. Checked by pattern, not against a fresh list:
# one that changed since is reported by the removal (system/prune.py), not a form error.
PATTERNS = {
    "containers": r"[0-9a-f]{64}",
    "images": r"sha256:[0-9a-f]{64}( [^\s]{1,512})*",  # the id, then the tags the page showed
    "volumes": NAME_PATTERN.pattern,
    "networks": r"[0-9a-f]{64}",
    "build_cache": r"[a-z0-9]{1,64}",
}


class KeyListField(forms.MultipleChoiceField):
    def __init__(self, pattern: str, **kwargs):
        super().__init__(required=False, **kwargs)
        self.pattern = re.compile(pattern)

    def valid_value(self, value: str) -> bool:
        return len(value) <= 8192 and bool(self.pattern.fullmatch(value))


class PruneForm(forms.Form):
    """The confirmation carries the exact lists shown, so nothing else is removed."""

    containers = KeyListField(PATTERNS["containers"])
    images = KeyListField(PATTERNS["images"])
    volumes = KeyListField(PATTERNS["volumes"])
    networks = KeyListField(PATTERNS["networks"])
    build_cache = KeyListField(PATTERNS["build_cache"])
    confirm = forms.BooleanField(required=True, error_messages={"required": _("Tick the box to confirm the removal.")})

    def clean(self) -> dict:
        data = super().clean()
        if not any(data.get(kind) for kind in PATTERNS):
            raise forms.ValidationError(_("Select at least one object to remove."))
        return data

    def selection(self) -> dict[str, list[str]]:
        return {kind: self.cleaned_data[kind] for kind in PATTERNS if self.cleaned_data.get(kind)}

    def kinds_posted(self) -> set[str]:
        """The kinds the POST names, valid or not (for the role check before anything else)."""
        return {kind for kind in PATTERNS if self.data.getlist(kind)}

import re

from django import forms

from networks.forms import cleaned_key_values

# The engine's rule for volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]+
NAME_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$"
NAME_MESSAGE = "Use letters, digits, '_', '.' or '-', starting with a letter or digit (at least 2 characters)."


class VolumeCreateForm(forms.Form):
    name = forms.RegexField(
        regex=NAME_PATTERN,
        max_length=255,
        required=False,
        error_messages={"invalid": NAME_MESSAGE},
        help_text="Empty: the engine generates one.",
    )
    driver = forms.ChoiceField(initial="local")
    # The local driver's options are mount(8)'s: `type`, `device` and `o`.
    type = forms.CharField(
        required=False, max_length=32, label="Type (local driver)", help_text="e.g. tmpfs, nfs, or none for a bind."
    )
    device = forms.CharField(
        required=False,
        max_length=1024,
        label="Device (local driver)",
        help_text="e.g. tmpfs, :/export/path for NFS, or a host path.",
    )
    o = forms.CharField(
        required=False,
        max_length=1024,
        label="Mount options (o)",
        help_text="e.g. size=100m,uid=1000 or addr=10.0.0.5,rw or bind.",
    )
    options = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Other driver options",
        help_text="One KEY=value per line, for plugins.",
    )
    labels = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="One KEY=value per line."
    )

    def __init__(self, *args, drivers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["driver"].choices = [(d, d) for d in drivers]

    def clean_options(self) -> dict[str, str]:
        return cleaned_key_values(self.cleaned_data["options"], "option")

    def clean_labels(self) -> dict[str, str]:
        return cleaned_key_values(self.cleaned_data["labels"], "label")

    def clean(self) -> dict:
        data = super().clean()
        # mount(8) needs a device whenever a type is given (tmpfs's device is just "tmpfs").
        if data.get("type") and not data.get("device"):
            self.add_error("device", "Give a device for this type, e.g. tmpfs for tmpfs.")
        if (data.get("device") or data.get("o")) and not data.get("type"):
            self.add_error("type", "Give the mount type these options are for.")
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        options = {**data["options"], **{key: data[key] for key in ("type", "device", "o") if data.get(key)}}
        return {"name": data["name"], "driver": data["driver"], "options": options, "labels": data["labels"]}


class RemoveForm(forms.Form):
    confirm = forms.BooleanField(required=True, error_messages={"required": "Tick the box to confirm the removal."})


class NameListField(forms.MultipleChoiceField):
    """Names posted back from the confirmation page, checked by pattern rather than against a
    fresh list: one that changed since is then reported by the removal, not a form error."""

    def valid_value(self, value: str) -> bool:
        return bool(re.match(NAME_PATTERN, value)) and len(value) <= 255


class RemoveUnusedForm(forms.Form):
    """The confirmation carries the exact list shown, so nothing else is removed."""

    names = NameListField(error_messages={"required": "Select at least one volume."})
    confirm = forms.BooleanField(required=True, error_messages={"required": "Tick the box to confirm the removal."})

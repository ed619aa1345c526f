from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboard import inputs


class VolumeCreateForm(forms.Form):
    name = forms.CharField(
        max_length=255,
        required=False,
        label=gettext_lazy("Name"),
        help_text=gettext_lazy("Empty: the engine generates one."),
    )
    driver = forms.ChoiceField(initial="local", label=gettext_lazy("Driver"))
    # The local driver's options are mount(8)'s: `type`, `device` and `o`.
    type = forms.CharField(
        required=False,
        max_length=32,
        label=gettext_lazy("Type (local driver)"),
        help_text=gettext_lazy("e.g. tmpfs, nfs, or none for a bind."),
    )
    device = forms.CharField(
        required=False,
        max_length=1024,
        label=gettext_lazy("Device (local driver)"),
        help_text=gettext_lazy("e.g. tmpfs, :/export/path for NFS, or a host path."),
    )
    o = forms.CharField(
        required=False,
        max_length=1024,
        label=gettext_lazy("Mount options (o)"),
        help_text=gettext_lazy("e.g. size=100m,uid=1000 or addr=10.0.0.5,rw or bind."),
    )
    options = forms.CharField(
        required=False,
        strip=False,  # `-o k= v ` keeps " v ", as every key=value field (dashboard/inputs.py)
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Other driver options"),
        help_text=gettext_lazy("One KEY=value per line, for plugins."),
    )
    labels = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Labels"),
        help_text=gettext_lazy("One KEY=value per line."),
    )

    def __init__(self, *args, drivers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["driver"].choices = [(d, d) for d in drivers]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        return inputs.cleaned(inputs.volume_name, name) if name else name

    def clean_options(self) -> dict[str, str]:
        return inputs.cleaned(inputs.parse_key_values, self.cleaned_data["options"], _("Option"))

    def clean_labels(self) -> dict[str, str]:
        return inputs.cleaned(inputs.parse_key_values, self.cleaned_data["labels"], _("Label"))

    def clean(self) -> dict:
        data = super().clean()
        # mount(8) needs a device whenever a type is given (tmpfs's device is just "tmpfs").
        if data.get("type") and not data.get("device"):
            self.add_error("device", _("Give a device for this type, e.g. tmpfs for tmpfs."))
        if (data.get("device") or data.get("o")) and not data.get("type"):
            self.add_error("type", _("Give the mount type these options are for."))
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        options = {**data["options"], **{key: data[key] for key in ("type", "device", "o") if data.get(key)}}
        return {"name": data["name"], "driver": data["driver"], "options": options, "labels": data["labels"]}


class RemoveForm(forms.Form):
    confirm = forms.BooleanField(
        required=True, error_messages={"required": gettext_lazy("Tick the box to confirm the removal.")}
    )


class NameListField(forms.MultipleChoiceField):
    """Names posted back from the confirmation page, checked by pattern rather than against a
    fresh list: one that changed since is then reported by the removal, not a form error."""

    def valid_value(self, value: str) -> bool:
        return bool(inputs.NAME_PATTERN.fullmatch(value)) and len(value) <= 255


class RemoveUnusedForm(forms.Form):
    """The confirmation carries the exact list shown, so nothing else is removed."""

    names = NameListField(error_messages={"required": gettext_lazy("Select at least one volume.")})
    confirm = forms.BooleanField(
        required=True, error_messages={"required": gettext_lazy("Tick the box to confirm the removal.")}
    )

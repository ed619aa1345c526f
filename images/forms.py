from django import forms
from django.utils.translation import gettext_lazy as _

from images import services
from images.references import IMAGE_ID, normalize_reference, parse_reference

REFERENCE_MESSAGE = _(
    "Not a valid image reference: use [registry[:port]/]name[:tag] with a lower-case name, "
    "e.g. busybox, busybox:1.36 or registry.example.com:5000/team/app:v2."
)
TAG_MESSAGE = _(
    "Not a valid tag: use [registry[:port]/]name[:tag], e.g. myapp:v2 (lower-case name; tag of letters, digits, '_', '.', '-')."
)


class ImageFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)
    show = forms.ChoiceField(
        required=False,
        choices=[("", _("all images")), ("dangling", _("dangling (untagged)")), ("unused", _("unused (no container)"))],
    )
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in services.SORT_KEYS])
    desc = forms.BooleanField(required=False)

    @staticmethod
    def defaults() -> dict:
        return {"search": "", "show": "", "sort": "repository", "descending": False}

    def clean(self) -> dict:
        data = super().clean()
        return {
            "search": data.get("q") or "",
            "show": data.get("show") or "",
            "sort": data.get("sort") or "repository",
            "descending": bool(data.get("desc")),
        }


class PullForm(forms.Form):
    reference = forms.CharField(
        label=_("Image reference"),
        max_length=512,
        help_text=_("e.g. busybox:1.36 or 127.0.0.1:5000/team/app:v2; without a tag, :latest."),
    )
    username = forms.CharField(
        required=False, max_length=256, label=_("User name"), help_text=_("Only for a registry that needs a login.")
    )
    password = forms.CharField(
        required=False, max_length=1024, label=_("Password"), widget=forms.PasswordInput(render_value=False)
    )

    def clean_reference(self) -> str:
        value = self.cleaned_data["reference"].strip()
        if parse_reference(value) is None:
            raise forms.ValidationError(REFERENCE_MESSAGE)
        return normalize_reference(value)

    def clean(self) -> dict:
        data = super().clean()
        username, password = data.get("username") or "", data.get("password") or ""
        if password and not username:
            self.add_error("username", _("Give the user name that goes with the password."))
        if username and not password:
            self.add_error("password", _("Give the password for this user."))
        return data

    def auth(self) -> dict | None:
        """The credentials for the engine's X-Registry-Auth header, or None."""
        username = self.cleaned_data.get("username")
        return {"username": username, "password": self.cleaned_data["password"]} if username else None


class TagForm(forms.Form):
    target = forms.CharField(
        label=_("New tag"), max_length=512, help_text=_("repository[:tag], e.g. myapp:v2; without a tag, :latest.")
    )
    # Moving a tag that names another image takes `confirm`; `replaces` is the image the
    # confirmation named, so that a tag moved again meanwhile is asked about afresh.
    confirm = forms.BooleanField(required=False)
    replaces = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)

    def clean_target(self) -> tuple[str, str]:
        """(repository, tag), as the engine's tag call takes them."""
        parsed = parse_reference(self.cleaned_data["target"], allow_digest=False)
        if parsed is None:
            raise forms.ValidationError(TAG_MESSAGE)
        name, tag, _ = parsed
        return name, tag or "latest"


class RemoveForm(forms.Form):
    confirm = forms.BooleanField(required=True, error_messages={"required": _("Tick the box to confirm.")})
    force = forms.BooleanField(required=False)


class UntagForm(RemoveForm):
    tag = forms.CharField(max_length=512)


class DanglingForm(forms.Form):
    """The ids listed on the confirmation page, and nothing else."""

    ids = forms.Field(
        widget=forms.MultipleHiddenInput, error_messages={"required": _("There is no dangling image to remove.")}
    )
    confirm = forms.BooleanField(required=True, error_messages={"required": _("Tick the box to confirm.")})

    def clean_ids(self) -> list[str]:
        # Any well-formed id is taken; the service checks each is still dangling before deleting it.
        ids = list(dict.fromkeys(self.cleaned_data["ids"]))
        if not all(IMAGE_ID.fullmatch(image_id) for image_id in ids):
            raise forms.ValidationError(_("Not an image id."))
        return ids

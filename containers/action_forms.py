"""The container list's filters and the forms of the actions on one or many containers.

The Run/Create form, much the largest, is containers/forms.py.
"""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from containers import services
from dashboard import inputs

# The filters' words for the engine's states and health statuses (the values stay the engine's).
STATE_LABELS = {
    "running": gettext_lazy("running"),
    "paused": gettext_lazy("paused"),
    "restarting": gettext_lazy("restarting"),
    "created": gettext_lazy("created"),
    "exited": gettext_lazy("exited"),
    "dead": gettext_lazy("dead"),
    "removing": gettext_lazy("removing"),
}
HEALTH_LABELS = {
    "healthy": gettext_lazy("healthy"),
    "unhealthy": gettext_lazy("unhealthy"),
    "starting": gettext_lazy("starting"),
    "none": pgettext_lazy("no health check", "none"),
}


class ListFilterForm(forms.Form):
    all = forms.BooleanField(required=False)
    q = forms.CharField(required=False, max_length=200)
    state = forms.ChoiceField(
        required=False,
        choices=[("", gettext_lazy("any state"))] + [(s, STATE_LABELS.get(s, s)) for s in services.STATES],
    )
    health = forms.ChoiceField(
        required=False,
        choices=[("", gettext_lazy("any health"))] + [(h, HEALTH_LABELS.get(h, h)) for h in services.HEALTHS],
    )
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in services.SORT_KEYS])
    desc = forms.BooleanField(required=False)
    page = forms.IntegerField(required=False, min_value=1)

    @staticmethod
    def defaults() -> dict:
        return {"all": False, "search": "", "state": "", "health": "", "sort": "name", "descending": False, "page": 1}

    def clean(self) -> dict:
        data = super().clean()
        # A state filter other than running implies the full list, as `docker ps -a --filter`.
        show_all = data.get("all") or data.get("state") not in ("", None, "running", "paused", "restarting")
        return {
            "all": bool(show_all),
            "search": data.get("q") or "",
            "state": data.get("state") or "",
            "health": data.get("health") or "",
            "sort": data.get("sort") or "name",
            "descending": bool(data.get("desc")),
            "page": data.get("page") or 1,
        }


class StopForm(forms.Form):
    timeout = forms.IntegerField(min_value=0, max_value=3600, initial=10, required=False)

    def clean_timeout(self) -> int:
        value = self.cleaned_data["timeout"]
        return 10 if value is None else value


class RenameForm(forms.Form):
    name = forms.CharField(max_length=128)

    def clean_name(self) -> str:
        return inputs.cleaned(inputs.container_name, self.cleaned_data["name"])


class RemoveForm(forms.Form):
    confirm = forms.BooleanField(
        required=True, error_messages={"required": gettext_lazy("Tick the box to confirm the removal.")}
    )
    force = forms.BooleanField(required=False, label=gettext_lazy("Force: stop it first if it is running"))
    volumes = forms.BooleanField(required=False, label=gettext_lazy("Also remove its anonymous volumes"))


class BulkForm(forms.Form):
    """One action over a selection, over every container ("stop all", "remove all"), or over
    those the list's filters select on all its pages ("the N shown": scope "shown" with the
    list's own q, state, health and all)."""

    ACTIONS = [
        ("start", gettext_lazy("Start")),
        ("stop", gettext_lazy("Stop")),
        ("restart", gettext_lazy("Restart")),
        ("kill", gettext_lazy("Kill")),
        ("remove", gettext_lazy("Remove")),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    scope = forms.ChoiceField(
        choices=[("selected", "selected"), ("all", "all"), ("shown", "shown")], initial="selected", required=False
    )
    ids = forms.MultipleChoiceField(required=False)
    confirm = forms.BooleanField(required=False)
    force = forms.BooleanField(required=False)
    volumes = forms.BooleanField(required=False)
    timeout = forms.IntegerField(min_value=0, max_value=3600, required=False)

    def __init__(self, *args, containers: list, protected: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.containers = containers
        self.protected = protected
        self.fields["ids"].choices = [(c.id, c.name) for c in containers]

    def clean(self) -> dict:
        data = super().clean()
        action = data.get("action")
        if not action:
            return data
        if data.get("scope") in ("all", "shown"):
            # "stop all" is `docker stop $(docker ps -q)`: only what runs; "remove all" takes every one.
            universe = self.containers if data["scope"] == "all" else self._shown()
            candidates = [c for c in universe if action not in ("stop", "kill") or c.state in services.ACTIVE_STATES]
            if action == "start":
                candidates = [c for c in universe if c.state in ("created", "exited")]
        else:
            chosen = set(data.get("ids") or [])
            candidates = [c for c in self.containers if c.id in chosen]
        self.excluded = [c for c in candidates if c.id in self.protected]
        data["targets"] = [c for c in candidates if c.id not in self.protected]
        if not data["targets"]:
            raise forms.ValidationError(_("No containers to act on: select at least one."))
        return data

    def _shown(self) -> list:
        """The containers the list's filters, sent along, select: the same ones the list shows."""
        filters = ListFilterForm(self.data)
        if not filters.is_valid():
            raise forms.ValidationError(_("The list's filters are not valid: nothing was done."))
        shown = {c.id for c in services.matching_containers(**filters.cleaned_data)}
        return [c for c in self.containers if c.id in shown]

    def action_options(self) -> dict:
        action, data = self.cleaned_data["action"], self.cleaned_data
        if action == "remove":
            return {"force": data["force"], "volumes": data["volumes"]}
        if action in ("stop", "restart") and data.get("timeout") is not None:
            return {"timeout": data["timeout"]}
        return {}

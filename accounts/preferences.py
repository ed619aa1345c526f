"""A user's own preferences (/preferences/): today the time zone Berth shows them times in.

Every logged-in user may set their own, whatever their role: it changes what they see, nothing
in the engine, so it is not audited. Which zone applies is dashboard/zones.py's to say.
"""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.models import Preferences
from accounts.roles import role_required
from dashboard import zones


class PreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        required=False,
        help_text=gettext_lazy("Every time Berth shows you, log timestamps included, is in this zone."),
    )

    def __init__(self, *args, browser_zone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        browser = _("The browser's (%(zone)s)") % {"zone": browser_zone} if browser_zone else _("The browser's")
        self.fields["time_zone"].choices = [("", browser), *((name, name) for name in zones.known_names())]


@require_http_methods(["GET", "POST"])
@role_required("viewer")  # every role: their own zone, nothing in the engine
def preferences(request: HttpRequest) -> HttpResponse:
    browser_zone = zones.zone_name(zones.named(request.COOKIES.get(zones.COOKIE)) or zones.default_zone())
    initial = {"time_zone": zones.choice_of(request.user)}
    form = PreferencesForm(request.POST or None, initial=initial, browser_zone=browser_zone)
    if request.method == "POST" and form.is_valid():
        choice = form.cleaned_data["time_zone"]
        Preferences.objects.update_or_create(user=request.user, defaults={"time_zone": choice})
        messages.success(request, _("Times are now shown in %(zone)s.") % {"zone": choice or browser_zone})
        return redirect("accounts:preferences")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/preferences.html", {"form": form}, status=status)

"""Response headers Django has no setting for."""

from django.conf import settings


def permissions_policy(features: dict[str, str]) -> str:
    return ", ".join(f"{feature}={allow}" for feature, allow in features.items())


class PermissionsPolicyMiddleware:
    """Adds settings.PERMISSIONS_POLICY to every response (high in MIDDLEWARE, so static files too).

    Berth needs no camera, microphone, location, USB, payment...: turned off, a script that
    gets onto a page anyway (or a frame) cannot ask the user for them in Berth's name.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy(settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response

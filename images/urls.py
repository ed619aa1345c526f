from django.urls import path, register_converter

from images import views
from images.references import REFERENCE_PATTERN, parse_reference


class ImageIdConverter:
    """An image id (`sha256:<hex>` or a hex prefix): actions address images by id only, so
    an image called e.g. `team/remove` can never be mistaken for an action."""

    regex = r"(?:sha256:)?[0-9a-f]{12,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class ImageReferenceConverter:
    """An image id or any reference (`[registry[:port]/]path[:tag][@digest]`, '/' and ':'
    included). Anything else, `.` or `..` above all, never reaches the engine: a 404."""

    regex = REFERENCE_PATTERN

    def to_python(self, value: str) -> str:
        if parse_reference(value) is None:
            # e.g. "Team/app": no pattern matches, a 404
            raise ValueError("not an image reference")  # not UI: Django's URL resolver swallows it
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ImageIdConverter, "image_id")
register_converter(ImageReferenceConverter, "image_ref")

app_name = "images"

urlpatterns = [
    # The list, pulls and dangling images
    path("", views.image_list, name="list"),
    path("pull/", views.pull, name="pull"),
    path("pulls/<str:job_id>/", views.pull_progress, name="pull_progress"),
    path("pulls/<str:job_id>/cancel/", views.pull_cancel, name="pull_cancel"),
    path("dangling/", views.remove_dangling, name="remove_dangling"),
    # One image, by id
    path("<image_id:image_id>/tag/", views.tag, name="tag"),
    path("<image_id:image_id>/untag/", views.untag, name="untag"),
    path("<image_id:image_id>/remove/", views.remove, name="remove"),
    path("<image_id:image_id>/env/reveal/", views.env_reveal, name="env_reveal"),
    # One image by id or any reference (which may hold '/' and ':')
    path("<image_ref:reference>/", views.detail, name="detail"),
]

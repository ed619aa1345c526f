from django.urls import path

from containers import bulk_views, cli_views, live_views, stream_views, views
from dashboard import converters  # noqa: F401 - registers <ref:...>

app_name = "containers"

urlpatterns = [
    # The list and bulk actions
    path("", views.container_list, name="list"),
    path("bulk/", bulk_views.bulk, name="bulk"),
    path("bulk/<str:job_id>/", bulk_views.bulk_job, name="bulk_job"),
    path("new/", views.create, name="create"),
    # One container (id or name)
    path("<ref:container_id>/", views.detail, name="detail"),
    path("<ref:container_id>/start/", views.start, name="start"),
    path("<ref:container_id>/stop/", views.stop, name="stop"),
    path("<ref:container_id>/restart/", views.restart, name="restart"),
    path("<ref:container_id>/kill/", views.kill, name="kill"),
    path("<ref:container_id>/pause/", views.pause, name="pause"),
    path("<ref:container_id>/unpause/", views.unpause, name="unpause"),
    path("<ref:container_id>/rename/", views.rename, name="rename"),
    path("<ref:container_id>/remove/", views.remove, name="remove"),
    path("<ref:container_id>/env/reveal/", views.env_reveal, name="env_reveal"),
    path("<ref:container_id>/docker-run/", cli_views.docker_run_block, name="docker_run"),
    path("<ref:container_id>/docker-run/reveal/", cli_views.docker_run_reveal, name="docker_run_reveal"),
    path("<ref:container_id>/processes/", live_views.processes, name="processes"),
    # Live streams (websockets in containers/routing.py)
    path("<ref:container_id>/logs/", stream_views.logs, name="logs"),
    path("<ref:container_id>/logs/download/", stream_views.logs_download, name="logs_download"),
    path("<ref:container_id>/attach/", stream_views.attach, name="attach"),
    path("<ref:container_id>/exec/", stream_views.exec_terminal, name="exec"),
]

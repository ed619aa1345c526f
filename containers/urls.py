from django.urls import path

from containers import views

app_name = "containers"

urlpatterns = [
    # The list and bulk actions
    path("", views.container_list, name="list"),
    path("bulk/", views.bulk, name="bulk"),
    path("new/", views.create, name="create"),
    # One container (id or name)
    path("<str:container_id>/", views.detail, name="detail"),
    path("<str:container_id>/start/", views.start, name="start"),
    path("<str:container_id>/stop/", views.stop, name="stop"),
    path("<str:container_id>/restart/", views.restart, name="restart"),
    path("<str:container_id>/kill/", views.kill, name="kill"),
    path("<str:container_id>/pause/", views.pause, name="pause"),
    path("<str:container_id>/unpause/", views.unpause, name="unpause"),
    path("<str:container_id>/rename/", views.rename, name="rename"),
    path("<str:container_id>/remove/", views.remove, name="remove"),
    path("<str:container_id>/env/reveal/", views.env_reveal, name="env_reveal"),
    # Live streams (websockets in containers/routing.py)
    path("<str:container_id>/logs/", views.logs, name="logs"),
    path("<str:container_id>/logs/download/", views.logs_download, name="logs_download"),
    path("<str:container_id>/attach/", views.attach, name="attach"),
    path("<str:container_id>/exec/", views.exec_terminal, name="exec"),
]

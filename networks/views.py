# Placeholder until the networks app lands (being built now).
from django.http import HttpResponse


def network_list(request):
    return HttpResponse("networks")

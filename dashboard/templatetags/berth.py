import json
from datetime import UTC, datetime, timedelta

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from dashboard.times import parse_engine_time

register = template.Library()


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key)


@register.filter(is_safe=True)
def clip(value, length: int) -> str:
    """truncatechars, whose loop over every character runs only for a text longer than `length`
    (NFC and combining characters only shorten a text). The container list clips two texts a
    row: 100 rows took 1.6 ms with truncatechars."""
    text = str(value)
    return text if len(text) <= length else Truncator(text).chars(length)


@register.filter
def pretty_json(value) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)


@register.filter
def disk_size(value) -> str:
    """Bytes as `docker system df` prints them (decimal units: 1.99MB); "" for None."""
    from images.services import human_size

    return "" if value is None else human_size(int(value))


@register.filter
def largest(usage, kind: str) -> list:
    """A disk usage's largest objects of one kind (system.services.DiskUsage.largest)."""
    return usage.largest(kind)


# An engine event's actor -> its page (system/overview.html). Event ids come from the engine
# and may not fit a page's URL (an image event names whatever reference was used): no link then.
_EVENT_PAGES = {
    "container": "containers:detail",
    "image": "images:detail",
    "volume": "volumes:detail",
    "network": "networks:detail",
}


@register.filter
def event_url(event) -> str:
    from django.urls import NoReverseMatch, reverse

    if event.gone or event.type not in _EVENT_PAGES or not event.actor_id:
        return ""
    try:
        return reverse(_EVENT_PAGES[event.type], args=[event.actor_id])
    except NoReverseMatch:
        return ""


# -- times (issue 14, part 2): one way to show a time, in the viewer's zone (dashboard/zones.py)

RECENT = timedelta(days=7)  # newer: "3 minutes ago" ("3분 전"); older: the date and time
_TEXT = {
    "auto": "%Y-%m-%d %H:%M",  # when not recent
    "exact": "%Y-%m-%d %H:%M:%S {zone}",
    "precise": "%Y-%m-%d %H:%M:%S",  # a table of events: the zone is in the title
    "clock": "%H:%M:%S",
}


def zone_label(moment: datetime, long: bool = True) -> str:
    """The zone of an aware time, named as people read it: "KST (Asia/Seoul)", "UTC", and the
    offset where the zone has no abbreviation ("+04:00 (Asia/Dubai)" rather than "+04");
    without `long`, the abbreviation (or offset) alone."""
    abbreviation = moment.strftime("%Z")
    if not abbreviation or abbreviation[0] in "+-":
        offset = moment.strftime("%z")
        abbreviation = f"{offset[:3]}:{offset[3:]}" if offset else "UTC"
    key = getattr(moment.tzinfo, "key", "")
    if long and key and key not in (abbreviation, "UTC", "Etc/UTC"):
        return f"{abbreviation} ({key})"
    return abbreviation


@register.filter(is_safe=True)
def when(value, style: str = "auto") -> str:
    """`{{ container.created|when }}`: a <time> in the viewer's zone, its title the exact time
    with the zone named. Styles: "auto" (relative if recent, else the date and time), "both"
    (the exact time, and how long ago if recent), "exact", "precise" (seconds, the title down
    to microseconds), "clock" (the time of day only). "" for no time."""
    if isinstance(value, str):
        value = parse_engine_time(value)
    if not isinstance(value, datetime):
        return ""
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    local = timezone.localtime(value)
    zone, short_zone = zone_label(local), zone_label(local, long=False)
    title = local.strftime("%Y-%m-%d %H:%M:%S.%f" if style in ("precise", "clock") else "%Y-%m-%d %H:%M:%S")
    recent = abs(timezone.now() - value) < RECENT
    exact = local.strftime(_TEXT["exact"]).replace("{zone}", short_zone)
    if style == "both":
        text = f"{exact} ({naturaltime(value)})" if recent else exact
    elif style == "auto" and recent:
        text = naturaltime(value)
    else:
        text = local.strftime(_TEXT.get(style, _TEXT["auto"])).replace("{zone}", short_zone)
    stamp = value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return format_html('<time datetime="{}" title="{} {}">{}</time>', stamp, title, zone, text)


@register.simple_tag
def viewer_zone_label() -> str:
    """The zone times are shown in, named (the logs page's toggle says which)."""
    return zone_label(timezone.localtime())


@register.simple_tag
def viewer_zone_name() -> str:
    """The IANA name of the zone times are shown in ("Asia/Seoul"), for the browser's Intl."""
    from dashboard.zones import zone_name

    return zone_name(timezone.get_current_timezone())

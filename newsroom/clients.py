"""The client's address: the one answer sign-in throttling, comments and the API all use.

Behind proxies the address arrives in a header each proxy appends to (X-Forwarded-For). The
client writes the leftmost values itself, so only what the proxies we run added can be trusted:
with CLIENT_IP_TRUSTED_PROXIES proxies in front of the app, the client's address is that many
places from the right. A value that is not an address (garbage, a list shorter than the proxy
chain, a header that is missing) falls back to REMOTE_ADDR, the peer that connected to us.
Ports are dropped (`203.0.113.7:51234`, `[2001:db8::1]:443`), so one client is one address.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

REMOTE_ADDR = "REMOTE_ADDR"


def meta_key(header: str) -> str:
    """The request.META key of a header named either way (`X-Forwarded-For` or `HTTP_X_...`)."""
    key = header.strip().upper().replace("-", "_")
    if key in (REMOTE_ADDR, "") or key.startswith("HTTP_"):
        return key or REMOTE_ADDR
    return f"HTTP_{key}"


def parse_address(value: str) -> str | None:
    """The IP address in `value` (port, IPv6 brackets and zone dropped), or None if there is none.

    IPv4-mapped IPv6 addresses (`::ffff:203.0.113.7`) are read as the IPv4 address they carry,
    so a dual-stack proxy does not give one client two names.
    """
    value = value.strip().strip('"')
    port = ""
    if value.startswith("["):  # [2001:db8::1] or [2001:db8::1]:443
        value, _, rest = value[1:].partition("]")
        port = rest.removeprefix(":") if rest.startswith(":") else rest
    elif value.count(":") == 1:  # 203.0.113.7:51234 (a bare IPv6 address has several colons)
        value, _, port = value.partition(":")
    if port and not port.isdigit():
        return None
    value = value.partition("%")[0]  # fe80::1%eth0: the zone names our interface, not the client
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address, as CLIENT_IP_HEADER and CLIENT_IP_TRUSTED_PROXIES say to read it.

    None only when neither the header nor REMOTE_ADDR holds an address (test clients, unix
    sockets). Also django-axes' AXES_CLIENT_IP_CALLABLE.
    """
    key = meta_key(settings.CLIENT_IP_HEADER)
    if key != REMOTE_ADDR:
        values = [v for v in str(request.META.get(key, "") or "").split(",") if v.strip()]
        # A header set to one value by the proxy (X-Real-IP) is a list of one.
        place = max(1, settings.CLIENT_IP_TRUSTED_PROXIES)
        if len(values) >= place:
            address = parse_address(values[-place])
            if address is not None:
                return address
    return parse_address(str(request.META.get(REMOTE_ADDR, "") or ""))

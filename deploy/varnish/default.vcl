# Varnish 7 in front of Newsroom's gunicorn, purged by key (varnish-modules' xkey).
#
# Debian: apt-get install varnish varnish-modules. The app tells Varnish what to keep: public
# pages send Cache-Control with s-maxage (EDGE_CACHE_SECONDS) and the keys of what they show in
# an `xkey` header (EDGE_KEYS_HEADER=xkey); every write makes the app send
#   PURGE / with an `xkey-purge: <keys>` header
# to each address in EDGE_PURGE_URLS (EDGE_PURGE=varnish), which drops exactly the pages
# showing what changed. Pages with a session or a flash message go straight to the app.
#
# Change the backend to where gunicorn listens, and the `purgers` list to the hosts of the
# app servers (the only clients allowed to purge).

vcl 4.1;

import std;
import xkey;

backend default {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
    .probe = {
        .url = "/healthz";
        .interval = 2s;
        .timeout = 1s;
        .window = 3;
        .threshold = 2;
    }
}

acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "An xkey-purge header is required"));
        }
        set req.http.X-Purged = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.X-Purged));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Live updates (Server-Sent Events) never end like a page: piped straight to the app, with
    # nothing cached or buffered. Their heartbeat (LIVE_HEARTBEAT_SECONDS) stays well inside
    # Varnish's pipe_timeout (60 s by default).
    if (req.url ~ "^/(stories/[^/]+/)?live/") {
        return (pipe);
    }
    # The desk, the API and signed-in or flash-message requests are the app's alone.
    if (req.url ~ "^/(admin|api)/" || req.http.Cookie ~ "(^|;\s*)(sessionid|messages)=") {
        return (pass);
    }
    # Public pages are the same for every anonymous reader: no cookie reaches the cache key.
    unset req.http.Cookie;
    # With gunicorn healthy, a copy past its s-maxage is served only within
    # stale-while-revalidate (while one request refreshes it); with gunicorn down, within
    # stale-if-error (the grace set below).
    if (std.healthy(req.backend_hint)) {
        set req.grace = 30s;
    }
    return (hash);
}

sub vcl_pipe {
    # One stream per backend connection: nothing else may follow it on a piped connection.
    set bereq.http.Connection = "close";
}

sub vcl_backend_response {
    # Public pages come gzipped from the app (Varnish asks for gzip on every miss; the app keeps
    # Brotli for readers it serves directly); compress the rest of the text the app sent plain,
    # so readers always get a compressed copy (gunzipped for those who do not accept gzip).
    if (!beresp.http.Content-Encoding
        && beresp.http.Content-Type ~ "^(text/(html|plain|xml)|application/(rss\+xml|atom\+xml|xml|json))") {
        set beresp.do_gzip = true;
    }
    # Keep copies past their life as long as the app allows a stale one on error
    # (stale-if-error); vcl_recv narrows that to 30 s while gunicorn is healthy.
    if (beresp.http.Cache-Control ~ "stale-if-error=") {
        set beresp.grace = std.duration(
            regsub(beresp.http.Cache-Control, ".*stale-if-error=([0-9]+).*", "\1s"), 30s);
    }
    return (deliver);
}

sub vcl_backend_error {
    # gunicorn down or timing out while refreshing a copy in grace: keep serving the copy.
    if (bereq.is_bgfetch) {
        return (abandon);
    }
}

sub vcl_deliver {
    # The keys are for purging; readers need not see them.
    unset resp.http.xkey;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "hit";
    } else {
        set resp.http.X-Cache = "miss";
    }
}

"""What kind of process this is, for the settings that differ between web workers and commands.

`newsroom.wsgi` sets `role = WEB` before Django loads the settings; everything else (manage.py,
the test suite, runserver) is a command. The flag lives in the process, so no environment
variable leaks into the commands a web worker might start.
"""

WEB = "web"
COMMAND = "command"

role = COMMAND
# Set by `newsroom.asgi`: Django runs each ASGI request's database work in a context of its own,
# so a persistent connection is never reused, only left open until garbage collection. Under
# ASGI the connections are closed at the end of each request instead (DB_CONN_MAX_AGE 0).
asgi = False

"""What kind of process this is, for the settings that differ between web workers and commands.

`newsroom.wsgi` sets `role = WEB` before Django loads the settings; everything else (manage.py,
the test suite, runserver) is a command. The flag lives in the process, so no environment
variable leaks into the commands a web worker might start.
"""

WEB = "web"
COMMAND = "command"

role = COMMAND

"""ASGI entry point: HTTP through Django, websockets through Channels (authenticated sessions)."""

import os
import warnings

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# WhiteNoise's file responses are synchronous iterators; Django reads them in a thread under ASGI and
# warns once per process. Static files are small and cached by browsers, so that is fine: keep the console quiet.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")
# Vendored static files are served by WhiteNoise (a middleware: compressed copies, cache headers; no CDN).
# The web server takes its database connections from a pool (settings: DATABASE_POOL); only this process,
# so a child it starts (none today) or a test importing this module does not inherit the setting.
_pool_flag = "DATABASE_POOL" not in os.environ
if _pool_flag:
    os.environ["DATABASE_POOL"] = "1"
try:
    django.setup(set_prefix=False)  # as django.core.asgi.get_asgi_application
    from core.asgi import SyncChainASGIHandler

    django_asgi_app = SyncChainASGIHandler()  # Django's handler, the middleware chain and view in one thread hop
finally:
    if _pool_flag:
        del os.environ["DATABASE_POOL"]

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

"""The moderators' face: everything under /moderation needs a full log-in (deny by default)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

# Importing the view modules adds their routes and hooks to bp, in any order (the menu is nav.MENU).
# The sub-packages (cases/, stats/, admin/, forum/) add to this one blueprint, so every endpoint is
# still "moderation.<function>". auth.require_login stays the first hook: admin/views.py imports
# auth before it adds its own.
from . import auth, nav, views  # noqa: E402,F401
from .admin import invitations as admin_invitations  # noqa: E402,F401
from .admin import local_texts as local_text_views  # noqa: E402,F401
from .admin import recovery_key as recovery_key_views  # noqa: E402,F401
from .admin import retention_period as retention_views  # noqa: E402,F401
from .admin import views as admin_views  # noqa: E402,F401
from .cases import draft_views, oral_views  # noqa: E402,F401
from .cases import export_views as case_export_views  # noqa: E402,F401
from .cases import files as case_file_views  # noqa: E402,F401
from .cases import views as case_views  # noqa: E402,F401
from .forum import views as forum_views  # noqa: E402,F401
from .stats import handling_views, pooled_views  # noqa: E402,F401
from .stats import views as stats_views  # noqa: E402,F401

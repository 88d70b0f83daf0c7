"""Extensions, created unbound and attached in create_app."""

from __future__ import annotations

from flask_login import LoginManager
from flask_wtf import CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Log in to see this page."
login_manager.login_message_category = "info"
# "strong" drops the session when its identifier (address and browser)
# changes, limiting a stolen session cookie.
login_manager.session_protection = "strong"

"""Flask extensions, created here and bound to the app in ``create_app`` in a fixed order."""

from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
babel = Babel()

import os

from fastapi import FastAPI
from flask import Flask

app = Flask(__name__)
# ruleid: br703-python-debug-mode-enabled
app.debug = True
# ruleid: br703-python-debug-mode-enabled
app.config["DEBUG"] = True

# ruleid: br703-python-debug-mode-enabled
api = FastAPI(title="orders", debug=True)

# Django settings (the rule only runs on settings modules; semgrep --test ignores `paths`)
# ruleid: br703-python-django-debug-true
DEBUG = True

if __name__ == "__main__":
    # ruleid: br703-python-debug-mode-enabled
    app.run(host="0.0.0.0", port=8000, debug=True)

# ---------------------------------------------------------------- negatives

# ok: br703-python-debug-mode-enabled
ok_api = FastAPI(debug=os.environ.get("APP_DEBUG") == "1")
# ok: br703-python-django-debug-true
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
# ok: br703-python-debug-mode-enabled
app.run(debug=False)
# ok: br703-python-debug-mode-enabled
app.run(debug=os.environ.get("FLASK_DEBUG") == "1")
# ok: br703-python-debug-mode-enabled
logger_config = {"debug": True}
# ok: br703-python-debug-mode-enabled
parser.run(debug=True)

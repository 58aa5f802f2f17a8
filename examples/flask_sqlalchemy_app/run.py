"""Starting the Flask app: debug mode hard-wired on beside its fixed twin."""

import os

from flask import Flask

app = Flask(__name__)


class ProductionConfig:
    DEBUG = True  # expect: BR703
    TESTING = False


class FixedProductionConfig:
    DEBUG = False
    TESTING = False


def serve_insecure() -> None:
    app.run(host="0.0.0.0", port=8000, debug=True)  # expect: BR703


def serve() -> None:
    app.run(host="0.0.0.0", port=8000, debug=os.environ.get("FLASK_DEBUG") == "1")

"""The service's entry point: debug mode beside its fixed twin (the reloader is LOW: not a debug mode)."""

import os

import uvicorn
from fastapi import FastAPI

insecure_app = FastAPI(title="notifications", debug=True)  # expect: BR703
app = FastAPI(title="notifications", debug=os.environ.get("APP_DEBUG") == "1")


def serve_insecure() -> None:
    uvicorn.run("fastapi_service.server:app", host="0.0.0.0", port=8000, reload=True)


def serve() -> None:
    uvicorn.run("fastapi_service.server:app", host="0.0.0.0", port=8000, workers=4)

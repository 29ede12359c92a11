"""The bare Flask endpoint `make bench` measures pages against: `return "hello"`, same gunicorn settings."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"

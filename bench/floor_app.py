"""The floor of the page benchmark: a bare Flask app rendering a small static template.

    gunicorn -c gunicorn.conf.py --pythonpath bench floor_app:app

Served by the same gunicorn command as the forum, so a page's requests/s divided by the
floor's says how much the forum's own work costs, whatever the machine's speed of the moment.
"""

from pathlib import Path

from flask import Flask, render_template

app = Flask(__name__, template_folder=str(Path(__file__).resolve().parent / "templates"))


@app.get("/")
def index():
    """A small page from a template, with no database and no session."""
    return render_template("floor.html", title="Halcyon Community")

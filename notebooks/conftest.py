"""nbval settings for the notebooks: compare the plain-text view of checked cells, not their HTML.

Tables and headline cards carry both an HTML view (for JupyterLab and the HTML reports) and the same
figures as plain text; the text is what CI compares, so styling changes never fail a notebook.
"""


def pytest_collectstart(collector):
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("text/html",)

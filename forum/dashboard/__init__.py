"""The support dashboard: the figures a support lead runs the community by.

params.py reads the URL, figures.py computes every figure with SQL aggregates, service.py puts
them together for one viewer (with a short cache), tables.py and charts.py shape them for the
page, the CSV files and the API, and views.py is the HTTP edge.
"""

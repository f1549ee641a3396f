"""The web newsroom: reader pages, the editors' review desk, a JSON API and feeds.

``newsdesk.web.app.create_app`` builds the FastAPI application; ``newsdesk serve`` runs it.
"""

"""The inbound API for case systems (Viva, Combine, Treserva, Lifecare, …) at ``/api/v1``.

A case system authenticates with a bearer token of an ``ApiClient`` of one municipality and pushes status,
documents, decisions, messages and komplettering requests into the portal, and acknowledges the
deliveries it has taken. ``GET /api/v1/openapi.json`` describes it, generated from the views.

``portal.api.cli`` (``portal api-client create|revoke``) manages clients from the command line.
"""

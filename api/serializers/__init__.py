"""Request and response shapes of the client API, one module per resource.

Rules live in publishing.services; these only read and show.
"""

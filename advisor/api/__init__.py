"""The FastAPI application: thin routers over plain services."""

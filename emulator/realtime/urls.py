"""Data-plane URL table (realtime WebSocket endpoints)."""

ROUTES: list = []

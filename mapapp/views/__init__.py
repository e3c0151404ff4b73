"""Blueprints, one per audience: public pages, the JSON/GeoJSON API, vendored assets."""

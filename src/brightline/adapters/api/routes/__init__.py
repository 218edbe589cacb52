"""Route modules, one per area; ``app.create_app`` includes their routers."""

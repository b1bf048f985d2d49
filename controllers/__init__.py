"""Strategy V2 controllers for Backpack, loaded by Hummingbot as `controllers.<controller_type>.<controller_name>`
(the `controller_type` and `controller_name` of a config in `conf/controllers/`). Hummingbot's PyPI wheel ships
the controller base classes but no controllers: these are ours."""

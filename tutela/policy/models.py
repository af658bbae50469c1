# No models: the module exists so Django sends this app post_migrate, which (re)applies the PostgreSQL
# row-level security policies (tutela/policy/rls.py) after every migrate.

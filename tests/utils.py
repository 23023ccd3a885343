from django.db import connection


def database_url_for_subprocess() -> str:
    """The test database as a DATABASE_URL, for processes a test starts (worker, manage.py)."""
    s = connection.settings_dict
    socket_dir = s.get("OPTIONS", {}).get("host") or (s["HOST"] if (s["HOST"] or "").startswith("/") else "")
    if socket_dir:
        return f"postgresql://{s['USER']}:@/{s['NAME']}?host={socket_dir}"
    password = s["PASSWORD"] or ""
    return f"postgresql://{s['USER']}:{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"

"""`make run`: embedded services if needed, migrations, then web + worker + beat.

Runs in the foreground. Ctrl-C (or SIGTERM) stops honcho's processes first,
then the embedded Redis and PostgreSQL this launcher started, so nothing is
left running.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

from essence import embedded

PROJECT_DIR = embedded.PROJECT_DIR


def main() -> int:
    port = os.environ.setdefault("PORT", "8000")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ["ESSENCE_DATA_DIR"] = str(embedded.data_dir())
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    bin_dir = Path(sys.executable).parent
    os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"

    print("Essence: starting PostgreSQL and Redis…", flush=True)
    try:
        os.environ["DATABASE_URL"] = embedded.database_url()
        os.environ["REDIS_URL"] = embedded.redis_url()
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=PROJECT_DIR, check=True)
        print(
            f"\n  Essence is running at http://localhost:{port}/\n"
            "  Web, Celery worker and Celery beat are starting below. Ctrl-C stops everything.\n",
            flush=True,
        )
        return _run_procfile()
    except subprocess.CalledProcessError as exc:
        print(f"Essence: {exc}", file=sys.stderr)
        return exc.returncode or 1
    except KeyboardInterrupt:
        return 130
    finally:
        print("Essence: stopping Redis and PostgreSQL…", flush=True)
        embedded.stop_redis()
        embedded.stop_postgres()
        print("Essence: stopped.", flush=True)


def _run_procfile() -> int:
    # honcho gets a session of its own so that exactly one stop signal reaches
    # it, from us, whether Ctrl-C hit the whole terminal group or only us.
    honcho = subprocess.Popen(
        [str(Path(sys.executable).parent / "honcho"), "start", "-f", "Procfile"],
        cwd=PROJECT_DIR,
        start_new_session=True,
    )

    stop_requested = False

    def forward(signum, frame):
        nonlocal stop_requested
        stop_requested = True
        if honcho.poll() is None:
            honcho.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    returncode = honcho.wait()
    return 0 if stop_requested else returncode


if __name__ == "__main__":
    sys.exit(main())

"""`python scripts/services.py start|stop|status` for the embedded PostgreSQL and Redis under var/."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from config import embedded  # noqa: E402

VAR = Path(os.environ.get("VAR_DIR", ROOT / "var"))

if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else "status"
    if cmd == "stop":
        embedded.stop_all(VAR)
        print("embedded services stopped")
    elif cmd == "start":
        print(embedded.postgres_settings(VAR)["HOST"], embedded.redis_url(VAR))
    else:
        pg = embedded._pg_running(VAR / "pg")
        print(f"postgres running: {pg}")

"""Lighthouse on the pages each journey passes through, on a phone (its mobile preset).

`python bench/lighthouse.py` (or `make lighthouse`): migrates a scratch SQLite database, loads
the demo neighbourhood (`seed_demo`), starts one production-like daphne (DEBUG off, plain
HTTP, the same environment as the browser tests), makes one reservation through the API and
logs the demo owner in, then runs `npx --yes lighthouse@12` with CHROME_PATH (default
/usr/bin/chromium), headless, on near me, a shop page, an item page, a reservation page, the
owner console (with the session cookie) and a café's staff page. It prints each page's
Performance, Accessibility, Best Practices and SEO as a Markdown table, and writes the JSON
reports to test-artifacts/lighthouse/.

Not part of `make test` or CI: npx downloads Lighthouse from npm on its first run. It exits 1
when a run fails, never on a score (the machine is shared; performance varies).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.processes import ARTIFACTS, Daphne, FormSession, http, server_env  # noqa: E402

LIGHTHOUSE = os.environ.get("LIGHTHOUSE", "lighthouse@12")
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
REPORTS = ARTIFACTS / "lighthouse"


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def prepare(base_url: str, seeded: str) -> tuple[list[tuple[str, str]], str]:
    """The pages to measure (label, path) and the owner's session cookie."""
    slug = re.search(r"^\s+(\S+)\s+.+/s/\1/", seeded, re.M).group(1)
    cafe = re.search(r"(/cafe/[A-Za-z0-9_-]+/)", seeded).group(1)
    username, password = re.search(r"Owner login: (\S+) / (\S+)", seeded).groups()

    status, _headers, body = http("GET", f"{base_url}/api/shops/{slug}")
    assert status == 200, body
    shop = json.loads(body)
    listing = next(item for item in shop["listings"] if item["available"] > 0)
    for point in shop["pickup_points"]:
        status, _headers, body = http(
            "POST",
            f"{base_url}/api/shops/{slug}/reservations",
            {
                "listing_id": listing["id"],
                "quantity": 1,
                "pickup_point_id": point["id"],
                "name": "김동네",
                "phone": "010-1234-5678",
            },
        )
        if status == 201:
            break
    assert status == 201, body
    token = json.loads(body)["token"]

    owner = FormSession(base_url)
    owner.log_in(username, password, f"/owner/s/{slug}/")
    session = owner.cookie("sessionid").value
    pages = [
        ("near me", "/"),
        ("shop page", f"/s/{slug}/"),
        ("item page", f"/s/{slug}/l/{listing['id']}/"),
        ("reservation", f"/r/{token}/"),
        ("owner console", f"/owner/s/{slug}/"),
        ("café page", cafe),
    ]
    return pages, session


def lighthouse(url: str, name: str, cookie: str | None) -> dict[str, int]:
    REPORTS.mkdir(parents=True, exist_ok=True)
    report = REPORTS / f"{name}.json"
    command = [
        "npx",
        "--yes",
        LIGHTHOUSE,
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        "--form-factor=mobile",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        f"--only-categories={','.join(CATEGORIES)}",
    ]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": f"sessionid={cookie}"}))
    env = {**os.environ, "CHROME_PATH": CHROME}
    # A busy machine sometimes loses the trace of a load (NO_NAVSTART): one more try.
    if subprocess.run(command, env=env).returncode != 0:
        subprocess.run(command, check=True, env=env)
    categories = json.loads(report.read_text())["categories"]
    return {key: round(categories[key]["score"] * 100) for key in CATEGORIES}


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="lighthouse-"))
    env = server_env(f"sqlite:///{work / 'db.sqlite3'}", MEDIA_ROOT=str(work / "media"))
    manage(env, "migrate", "--noinput")
    seeded = manage(env, "seed_demo")
    server = Daphne(env, name="daphne-lighthouse").start()
    failed = False
    try:
        pages, session = prepare(server.url, seeded)
        print("| page | performance | accessibility | best practices | SEO |")
        print("| --- | --- | --- | --- | --- |")
        for label, path in pages:
            name = re.sub(r"\W+", "-", label).strip("-")
            cookie = session if path.startswith("/owner/") else None
            try:
                scores = lighthouse(f"{server.url}{path}", name, cookie)
            except subprocess.CalledProcessError as error:
                print(f"| {label} `{path}` | lighthouse failed ({error.returncode}) | | | |")
                failed = True
                continue
            row = " | ".join(str(scores[key]) for key in CATEGORIES)
            print(f"| {label} `{path}` | {row} |", flush=True)
    finally:
        server.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""The working day of 200 客户经理 and a few approvers, for locust (run by bench/load/run.py).

Every account manager logs in once (a session, used by the pages and the API alike) and then, with a think time of a few
seconds, searches, opens archives (each open is read-logged), edits an archive with the version it read (one edit
in ten deliberately with a stale version: a 409 conflict is the correct answer), registers complaints and asks for
access to another manager's customer (an approval). Approvers (市场营销部负责人) work through their inbox; several
of them race for the same step, so "decided twice" would show if the row lock did not hold.

Every outcome the server confirmed is appended to the ledger (one JSON object per line) so that verify.py can check
that nothing the users were told was saved is missing, and nothing they were told was refused was saved.
Answers 4xx that the application gives on purpose (conflict, already decided, already requested) are counted as
successes under their own name; anything else (5xx, connection errors) is a failure.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time
import uuid

from locust import HttpUser, between, events, task

USERS = json.loads(open(os.environ["KEHU_LOAD_USERS"], encoding="utf-8").read())  # noqa: SIM115
LEDGER_PATH = os.environ["KEHU_LOAD_LEDGER"]
_ledger = open(LEDGER_PATH, "a", encoding="utf-8", buffering=1)  # noqa: SIM115
_ledger_lock = threading.Lock()
_am_slots = itertools.count()
_approver_slots = itertools.count()
SEARCH_WORDS = ("塑料", "化工", "济南", "青岛", "贸易", "建材", "石化", "工贸", "鲁", "zg", "jn", "KH0000")
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def record(kind: str, **fields) -> None:
    line = json.dumps({"t": time.time(), "kind": kind, **fields}, ensure_ascii=False)
    with _ledger_lock:
        _ledger.write(line + "\n")


def _expected(response, ok: tuple[int, ...], refused: tuple[int, ...] = (), *, name: str = "") -> str:
    """'ok', 'refused' (a deliberate 4xx) or 'error' — marks the locust sample accordingly; errors go to the
    ledger with their time, so the report can tell the outage's 503s and a killed worker's lost connections from
    anything else."""
    if response.status_code in ok:
        response.success()
        return "ok"
    if response.status_code in refused:
        response.success()
        return "refused"
    error = getattr(response, "error", None)
    response.failure(f"HTTP {response.status_code}: {response.text[:200] if response.text else error!r}")
    record("error", name=name, status=response.status_code, error=repr(error)[:300] if error else "")
    return "error"


class _KehuUser(HttpUser):
    abstract = True
    wait_time = between(3, 9)

    def _login(self, username: str, password: str) -> None:
        """Log in through the login page, as a browser does; the API is then used with the same session (and its
        CSRF token, as the application's own pages send it)."""
        for _attempt in range(10):  # a person whose login failed (a lost connection) tries again
            with self.client.get("/login/", name="login page", catch_response=True) as page:
                # through _expected, so a lost login page is in the ledger with its time like any other error
                token = CSRF_RE.search(page.text) if _expected(page, (200,), name="login page") == "ok" else None
            if token is None:  # the page did not come (database restarting): wait and reload it
                time.sleep(2)
                continue
            with self.client.post("/login/", data={"username": username, "password": password,
                                                   "csrfmiddlewaretoken": token.group(1)},
                                  name="login", allow_redirects=False, catch_response=True) as r:
                if _expected(r, (302,), name="login") == "ok":
                    return
            time.sleep(2)
        raise RuntimeError(f"{username} could not log in")

    def api(self, method: str, path: str, *, name: str, ok=(200,), refused=(), **kwargs):
        headers = {"X-Request-ID": uuid.uuid4().hex}
        if method != "GET":
            headers["X-CSRFToken"] = self.client.cookies.get("csrftoken", "")
        with self.client.request(method, path, headers=headers, name=name, catch_response=True,
                                 allow_redirects=False, **kwargs) as r:
            return r, _expected(r, ok, refused, name=name)


class AccountManager(_KehuUser):
    weight = 200

    def on_start(self) -> None:
        me = USERS["account_managers"][next(_am_slots) % len(USERS["account_managers"])]
        self.username, self.customers, self.others = me["username"], me["customers"], me["others"]
        self._login(self.username, USERS["password"])

    @task(4)
    def search_page(self) -> None:
        with self.client.get("/customers/", params={"q": random.choice(SEARCH_WORDS)}, name="page: search",
                             allow_redirects=False, catch_response=True) as r:
            _expected(r, (200,), name="page: search")

    @task(2)
    def search_api(self) -> None:
        self.api("GET", "/api/customers/", params={"q": random.choice(SEARCH_WORDS), "limit": 20},
                 name="api: search")

    @task(3)
    def open_archive_page(self) -> None:
        cid = random.choice(self.customers)
        # no redirects followed: a lost session would answer 302 → login page, which is not a read of the archive
        with self.client.get(f"/customers/{cid}/", name="page: archive", allow_redirects=False,
                             catch_response=True) as r:
            if _expected(r, (200,), name="page: archive") == "ok":
                record("read", user=self.username, customer=cid, channel="page")

    @task(3)
    def open_and_edit(self) -> None:
        cid = random.choice(self.customers)
        r, outcome = self.api("GET", f"/api/customers/{cid}/", name="api: archive")
        if outcome != "ok":
            return
        record("read", user=self.username, customer=cid, channel="api")
        version = r.json()["version"]
        stale = random.random() < 0.1
        reason = f"load-{uuid.uuid4().hex}"
        body = {"version": version - 1 if stale and version > 1 else version, "reason": reason,
                "address": f"济南市历下区经十路{random.randint(1, 99999)}号"}
        r, outcome = self.api("PATCH", f"/api/customers/{cid}/", json=body, name="api: edit", refused=(409,))
        if outcome == "ok":
            record("edit", user=self.username, customer=cid, reason=reason, version=r.json()["version"])
        elif outcome == "refused":
            record("edit_conflict", user=self.username, customer=cid, reason=reason)
        else:
            record("edit_unknown", user=self.username, customer=cid, reason=reason)

    @task(1)
    def register_complaint(self) -> None:
        cid = random.choice(self.customers)
        marker = f"load-{uuid.uuid4().hex}"
        r, outcome = self.api("POST", "/api/service/complaints/", name="api: complaint", ok=(201,), json={
            "customer": cid, "complaint_type": "quality", "severity": "general", "channel": "phone",
            "description": f"客户反映本批 PP 拉丝料熔指偏高（{marker}）", "contact_name": "张经理"})
        if outcome == "ok":
            record("complaint", user=self.username, customer=cid, marker=marker, id=r.json()["id"])
        elif outcome == "error":
            record("complaint_unknown", user=self.username, customer=cid, marker=marker)

    @task(1)
    def request_access(self) -> None:
        cid = random.choice(self.others)
        r, outcome = self.api("POST", "/api/access-requests/", name="api: access request", ok=(201,),
                              refused=(400,), json={"customer": cid, "reason": "协同拜访需要了解客户档案", "days": 3})
        if outcome == "ok":
            record("approval_submitted", user=self.username, customer=cid, approval=r.json()["id"])


class Approver(_KehuUser):
    fixed_count = int(os.environ.get("KEHU_LOAD_APPROVERS", "5"))
    wait_time = between(2, 5)

    def on_start(self) -> None:
        me = USERS["approvers"][next(_approver_slots) % len(USERS["approvers"])]
        self.username = me["username"]
        self._login(self.username, USERS["password"])

    @task
    def decide(self) -> None:
        r, outcome = self.api("GET", "/api/approvals/waiting/", params={"limit": 10}, name="api: inbox")
        if outcome != "ok":
            return
        steps = r.json().get("results", [])
        if not steps:
            return
        # approvers work from the top of the same inbox: they race for the same steps
        step = random.choice(steps[:3])
        r, outcome = self.api("POST", f"/api/approvals/steps/{step['id']}/decide/", name="api: decide",
                              refused=(400, 403, 404, 409), json={"decision": "approve", "comment": "同意"})
        if outcome == "ok":
            record("decision", user=self.username, step=step["id"], approval=step["approval"])
        elif outcome == "refused":
            record("decision_refused", user=self.username, step=step["id"], status=r.status_code)


@events.quitting.add_listener
def _close_ledger(environment, **kwargs) -> None:
    _ledger.close()

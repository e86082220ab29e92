"""A local stand-in for the GitHub REST endpoints Aria uses.

A real HTTP server on 127.0.0.1 (random port) with a little state: repositories made of commits,
pull requests, issue comments, check runs, collaborator permissions. Responses are the real
payload shapes from `tests/fixtures/github/rest/` with the fields that matter filled in; every
request is recorded; faults (a 403 with Retry-After, a 5xx) can be queued for a path.
"""

from __future__ import annotations

import base64
import copy
import difflib
import hashlib
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "github"
BOT_LOGIN = "aria-review[bot]"


class Symlink(bytes):
    """A symbolic link in a commit (git mode 120000); its bytes are the link's target. The
    contents API answers `type: symlink` for one that leaves the repository."""


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def commit_sha(files: dict[str, bytes]) -> str:
    h = hashlib.sha1()
    for path in sorted(files):
        h.update(path.encode() + b"\0" + files[path] + b"\0")
    return h.hexdigest()


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    at: float


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    headers: dict[str, str]
    body: dict[str, Any]
    times: int


@dataclass
class Pull:
    repo: str
    number: int
    base_sha: str
    head_sha: str
    head_ref: str
    head_repo: str
    title: str = "Scale the serving tier"
    state: str = "open"
    draft: bool = False


@dataclass
class State:
    commits: dict[str, dict[str, bytes]] = field(default_factory=dict)
    branches: dict[tuple[str, str], str] = field(default_factory=dict)  # (repo, ref) -> sha
    pulls: dict[tuple[str, int], Pull] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> {repo, number, ...}
    check_runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    permissions: dict[tuple[str, str], str] = field(default_factory=dict)
    tokens_issued: int = 0
    next_id: int = 1000


class GitHubEmulator:
    def __init__(self, *, prefix: str = "", token_ttl: float = 3600.0) -> None:
        self.prefix = prefix
        self.token_ttl = token_ttl
        self.state = State()
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self.lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> GitHubEmulator:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body leave in two writes: without this, Nagle's algorithm and
                # the client's delayed ACK add ~40 ms to every response.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *_args: Any) -> None:
                return

            def _serve(self) -> None:
                emulator._dispatch(self)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            assert self._thread is not None
            self._thread.join(5)
            self._server = None

    def __enter__(self) -> GitHubEmulator:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return self.origin + self.prefix

    # --- set-up and inspection -------------------------------------------------------------

    def add_commit(self, repo: str, files: dict[str, bytes], ref: str | None = None) -> str:
        sha = commit_sha(files)
        with self.lock:
            self.state.commits[sha] = dict(files)
            if ref:
                self.state.branches[(repo, ref)] = sha
        return sha

    def add_pull(self, repo: str, number: int, base: dict[str, bytes], head: dict[str, bytes],
                 *, head_repo: str | None = None, **extra: Any) -> Pull:
        pull = Pull(repo=repo, number=number, base_sha=self.add_commit(repo, base, "main"),
                    head_sha="", head_ref=f"feature-{number}", head_repo=head_repo or repo,
                    **extra)
        pull.head_sha = self.add_commit(pull.head_repo, head, pull.head_ref)
        with self.lock:
            self.state.pulls[(repo, number)] = pull
        return pull

    def push(self, repo: str, number: int, head: dict[str, bytes]) -> str:
        with self.lock:
            pull = self.state.pulls[(repo, number)]
            pull.head_sha = self.add_commit(pull.head_repo, head, pull.head_ref)
            return pull.head_sha

    def add_comment(self, repo: str, number: int, body: str, *, login: str = BOT_LOGIN,
                    user_type: str = "Bot") -> int:
        with self.lock:
            comment_id = self._new_id()
            self.state.comments[comment_id] = {"id": comment_id, "repo": repo, "number": number,
                                               "body": body, "login": login, "type": user_type,
                                               "edits": 0}
            return comment_id

    def set_permission(self, repo: str, user: str, permission: str) -> None:
        with self.lock:
            self.state.permissions[(repo, user)] = permission

    def fail(self, method: str, path_regex: str, status: int, *, times: int = 1,
             headers: dict[str, str] | None = None, message: str = "error") -> None:
        with self.lock:
            self.faults.append(Fault(method, re.compile(path_regex), status, headers or {},
                                     {"message": message}, times))

    def recorded(self, method: str, path_regex: str = "") -> list[Recorded]:
        rx = re.compile(path_regex)
        with self.lock:
            return [r for r in self.requests if r.method == method and rx.search(r.path)]

    def comments_on(self, repo: str, number: int) -> list[dict[str, Any]]:
        with self.lock:
            return [c for c in self.state.comments.values()
                    if c["repo"] == repo and c["number"] == number]

    def check_runs_on(self, repo: str) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.state.check_runs.values() if r["repo"] == repo]

    def files_at(self, repo: str, ref: str) -> dict[str, bytes]:
        with self.lock:
            return dict(self.state.commits[self.state.branches[(repo, ref)]])

    # --- HTTP ------------------------------------------------------------------------------

    def _dispatch(self, h: BaseHTTPRequestHandler) -> None:
        url = urlsplit(h.path)
        path = unquote(url.path)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        rec = Recorded(h.command, path, parse_qs(url.query), dict(h.headers.items()), body,
                       time.monotonic())
        with self.lock:
            self.requests.append(rec)
            fault = self._take_fault(h.command, path)
        if fault is not None:
            self._send(h, fault.status, fault.body, fault.headers)
            return
        if not path.startswith(self.prefix):
            self._send(h, 404, {"message": "Not Found"})
            return
        route = path[len(self.prefix):]
        for method, pattern, fn in _ROUTES:
            m = pattern.fullmatch(route)
            if m and method == h.command:
                with self.lock:
                    status, data, headers = fn(self, m, rec)
                self._send(h, status, data, headers)
                return
        self._send(h, 404, {"message": "Not Found"})

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for f in self.faults:
            if f.method == method and f.pattern.search(path) and f.times > 0:
                f.times -= 1
                return f
        return None

    def _send(self, h: BaseHTTPRequestHandler, status: int, data: Any,
              headers: dict[str, str] | None = None) -> None:
        payload = b"" if status == 204 else json.dumps(data).replace(
            "https://api.github.com", self.base_url).encode()
        merged = {"Content-Type": "application/json; charset=utf-8",
                  "Content-Length": str(len(payload)), "X-RateLimit-Limit": "5000",
                  "X-RateLimit-Remaining": "4999",
                  "X-RateLimit-Reset": str(int(time.time()) + 3600)}
        for k, v in (headers or {}).items():  # a fault's headers replace the defaults
            merged = {key: val for key, val in merged.items() if key.lower() != k.lower()}
            merged[k] = v
        h.send_response(status)
        for k, v in merged.items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(payload)

    def _new_id(self) -> int:
        self.state.next_id += 1
        return self.state.next_id


Result = tuple[int, Any, dict[str, str]]
NOT_FOUND: Result = (404, {"message": "Not Found"}, {})


def _access_token(em: GitHubEmulator, m: re.Match[str], _r: Recorded) -> Result:
    em.state.tokens_issued += 1
    data = fixture("rest/apps-create-installation-access-token.json")
    data["token"] = f"ghs_emulated{em.state.tokens_issued:04d}"
    expires = datetime.now(UTC) + timedelta(seconds=em.token_ttl)
    data["expires_at"] = expires.strftime("%Y-%m-%dT%H:%M:%SZ")
    return 201, data, {}


def _get_pull(em: GitHubEmulator, m: re.Match[str], _r: Recorded) -> Result:
    pull = em.state.pulls.get((m["repo"], int(m["n"])))
    if pull is None:
        return NOT_FOUND
    data = fixture("rest/pulls-get.json")
    data.update(number=pull.number, state=pull.state, draft=pull.draft, title=pull.title,
                url=f"https://api.github.com/repos/{pull.repo}/pulls/{pull.number}",
                issue_url=f"https://api.github.com/repos/{pull.repo}/issues/{pull.number}",
                html_url=f"https://github.com/{pull.repo}/pull/{pull.number}",
                maintainer_can_modify=False)
    for side, sha, ref, repo in (("head", pull.head_sha, pull.head_ref, pull.head_repo),
                                 ("base", pull.base_sha, "main", pull.repo)):
        part = data[side]
        part.update(sha=sha, ref=ref, label=f"{repo.split('/')[0]}:{ref}")
        part["repo"].update(full_name=repo, name=repo.split("/")[1], fork=repo != pull.repo,
                            url=f"https://api.github.com/repos/{repo}")
    return 200, data, {}


def _diff(base: dict[str, bytes], head: dict[str, bytes]) -> list[dict[str, Any]]:
    template = fixture("rest/pulls-list-files.json")[0]
    entries = []
    for path in sorted(set(base) | set(head)):
        old, new = base.get(path), head.get(path)
        if old == new:
            continue
        status = "added" if old is None else "removed" if new is None else "modified"
        lines = list(difflib.unified_diff(
            (old or b"").decode(errors="replace").splitlines(),
            (new or b"").decode(errors="replace").splitlines(), lineterm=""))[2:]
        entry = copy.deepcopy(template)
        entry.update(filename=path, status=status, patch="\n".join(lines),
                     additions=sum(1 for x in lines if x.startswith("+")),
                     deletions=sum(1 for x in lines if x.startswith("-")),
                     sha=hashlib.sha1(new or old or b"").hexdigest())
        entry["changes"] = entry["additions"] + entry["deletions"]
        entries.append(entry)
    return entries


def _paginate(em: GitHubEmulator, r: Recorded, items: list[Any]) -> Result:
    per_page = min(int(r.query.get("per_page", ["30"])[0]), 100)
    page = int(r.query.get("page", ["1"])[0])
    chunk = items[(page - 1) * per_page: page * per_page]
    headers = {}
    last = max(1, -(-len(items) // per_page))
    if page < last:
        base = f"{em.origin}{r.path}?per_page={per_page}"
        headers["Link"] = f'<{base}&page={page + 1}>; rel="next", <{base}&page={last}>; rel="last"'
    return 200, chunk, headers


def _list_files(em: GitHubEmulator, m: re.Match[str], r: Recorded) -> Result:
    pull = em.state.pulls.get((m["repo"], int(m["n"])))
    if pull is None:
        return NOT_FOUND
    entries = _diff(em.state.commits[pull.base_sha], em.state.commits[pull.head_sha])
    return _paginate(em, r, entries[:3000])


def _ref_files(em: GitHubEmulator, repo: str, r: Recorded) -> dict[str, bytes] | None:
    ref = r.query.get("ref", ["main"])[0]
    sha = em.state.branches.get((repo, ref), ref)
    return em.state.commits.get(sha)


def _get_contents(em: GitHubEmulator, m: re.Match[str], r: Recorded) -> Result:
    files = _ref_files(em, m["repo"], r)
    path = m["path"]
    if files is None:
        return NOT_FOUND
    if isinstance(files.get(path), Symlink):
        data = fixture("rest/repos-get-content.file.json")
        target = files[path].decode()
        data.update(type="symlink", target=target, path=path, name=path.rsplit("/", 1)[-1],
                    size=len(target), sha=hashlib.sha1(files[path]).hexdigest(), content="")
        data.pop("encoding", None)
        return 200, data, {}
    if path in files:
        data = fixture("rest/repos-get-content.file.json")
        content = files[path]
        data.update(path=path, name=path.rsplit("/", 1)[-1], size=len(content),
                    sha=hashlib.sha1(content).hexdigest(),
                    content=base64.encodebytes(content).decode(), encoding="base64")
        return 200, data, {}
    children = sorted({p[len(path) + 1:].split("/")[0] for p in files
                       if p.startswith(path + "/")})
    if not children:
        return NOT_FOUND
    template = fixture("rest/repos-get-content.directory.json")[0]
    listing = []
    for name in children:
        entry = copy.deepcopy(template)
        full = f"{path}/{name}"
        entry.update(name=name, path=full, type="file" if full in files else "dir")
        listing.append(entry)
    return 200, listing, {}


def _put_contents(em: GitHubEmulator, m: re.Match[str], r: Recorded) -> Result:
    repo, branch = m["repo"], r.body["branch"]
    sha = em.state.branches.get((repo, branch))
    if sha is None:
        return NOT_FOUND
    files = dict(em.state.commits[sha])
    if m["path"] in files:
        return 422, {"message": "Invalid request.\n\n\"sha\" wasn't supplied."}, {}
    files[m["path"]] = base64.b64decode(r.body["content"])
    new_sha = em.add_commit(repo, files, branch)
    for pull in em.state.pulls.values():
        if pull.head_repo == repo and pull.head_ref == branch:
            pull.head_sha = new_sha
    data = fixture("rest/repos-create-or-update-file.created.json")
    data["content"].update(path=m["path"], name=m["path"].rsplit("/", 1)[-1])
    data["commit"]["sha"] = new_sha
    return 201, data, {}


def _comment_json(c: dict[str, Any]) -> dict[str, Any]:
    data = fixture("rest/issues-create-comment.json")
    data.update(id=c["id"], body=c["body"],
                url=f"https://api.github.com/repos/{c['repo']}/issues/comments/{c['id']}",
                issue_url=f"https://api.github.com/repos/{c['repo']}/issues/{c['number']}")
    data["user"].update(login=c["login"], type=c["type"])
    return data


def _list_comments(em: GitHubEmulator, m: re.Match[str], r: Recorded) -> Result:
    items = [_comment_json(c) for c in sorted(em.comments_on(m["repo"], int(m["n"])),
                                              key=lambda c: c["id"])]
    return _paginate(em, r, items)


def _create_comment(em: GitHubEmulator, m: re.Match[str], r: Recorded) -> Result:
    comment_id = em.add_comment(m["repo"], int(m["n"]), r.body["body"])
    return 201, _comment_json(em.state.comments[comment_id]), {}


def _one_comment(em: GitHubEmulator, m: re.Match[str], r: Recorded) -> Result:
    c = em.state.comments.get(int(m["id"]))
    if c is None or c["repo"] != m["repo"]:
        return NOT_FOUND
    if r.method == "DELETE":
        del em.state.comments[c["id"]]
        return 204, None, {}
    if r.method == "PATCH":
        c["body"] = r.body["body"]
        c["edits"] += 1
    return 200, _comment_json(c), {}


def _check_json(run: dict[str, Any]) -> dict[str, Any]:
    data = fixture("rest/checks-create.completed.json")
    data.update(id=run["id"], name=run["name"], head_sha=run["head_sha"],
                status=run.get("status", "completed"), conclusion=run.get("conclusion"),
                url=f"https://api.github.com/repos/{run['repo']}/check-runs/{run['id']}",
                html_url=f"https://github.com/{run['repo']}/runs/{run['id']}")
    data["output"].update(title=run["output"].get("title"), summary=run["output"].get("summary"),
                          text=run["output"].get("text"),
                          annotations_count=len(run["annotations"]))
    return data


def _create_check(em: GitHubEmulator, m: re.Match[str], r: Recorded) -> Result:
    output = dict(r.body.get("output") or {})
    run = {"id": em._new_id(), "repo": m["repo"], "name": r.body["name"],
           "head_sha": r.body["head_sha"], "status": r.body.get("status"),
           "conclusion": r.body.get("conclusion"), "output": output,
           "annotations": list(output.pop("annotations", []))}
    em.state.check_runs[run["id"]] = run
    return 201, _check_json(run), {}


def _update_check(em: GitHubEmulator, m: re.Match[str], r: Recorded) -> Result:
    run = em.state.check_runs.get(int(m["id"]))
    if run is None:
        return NOT_FOUND
    output = dict(r.body.get("output") or {})
    run["annotations"].extend(output.pop("annotations", []))  # PATCH appends, as on GitHub
    run["output"].update(output)
    for key in ("status", "conclusion"):
        if key in r.body:
            run[key] = r.body[key]
    return 200, _check_json(run), {}


def _permission(em: GitHubEmulator, m: re.Match[str], _r: Recorded) -> Result:
    permission = em.state.permissions.get((m["repo"], m["user"]), "read")
    user = fixture("rest/issues-create-comment.json")["user"]
    user["login"] = m["user"]
    return 200, {"permission": permission, "role_name": permission, "user": user}, {}


def _create_review(em: GitHubEmulator, m: re.Match[str], r: Recorded) -> Result:
    review = {"repo": m["repo"], "number": int(m["n"]), **r.body}
    em.state.reviews.append(review)
    data = fixture("rest/pulls-create-review.json")
    data.update(id=em._new_id(), body=r.body.get("body", ""))
    return 200, data, {}


def _tree(em: GitHubEmulator, m: re.Match[str], _r: Recorded) -> Result:
    files = em.state.commits.get(em.state.branches.get((m["repo"], m["sha"]), m["sha"]))
    if files is None:
        return NOT_FOUND
    data = fixture("rest/git-get-tree.recursive.json")
    template = data["tree"][0]
    data["sha"] = m["sha"]
    data["tree"] = [{**template, "path": p, "size": len(b), "sha": hashlib.sha1(b).hexdigest()}
                    for p, b in sorted(files.items())]
    return 200, data, {}


def _org_installation(em: GitHubEmulator, m: re.Match[str], _r: Recorded) -> Result:
    # One installation per organisation that has a repository here; its id is stable.
    if not any(repo.split("/")[0] == m["org"] for repo, _ref in em.state.branches):
        return NOT_FOUND
    return 200, {"id": 1, "account": {"login": m["org"], "type": "Organization"},
                 "app_id": 5725, "target_type": "Organization", "repository_selection": "all",
                 "permissions": {"contents": "read", "checks": "write"}}, {}


def _installation_repos(em: GitHubEmulator, _m: re.Match[str], r: Recorded) -> Result:
    names = sorted({repo for repo, ref in em.state.branches if ref == "main"})
    repos = [{"id": i + 1, "name": n.split("/")[1], "full_name": n, "private": True,
              "archived": False, "size": 1, "default_branch": "main",
              "owner": {"login": n.split("/")[0], "type": "Organization"},
              "url": f"https://api.github.com/repos/{n}"} for i, n in enumerate(names)]
    status, page, headers = _paginate(em, r, repos)
    return status, {"total_count": len(repos), "repositories": page}, headers


_REPO = r"/repos/(?P<repo>[^/]+/[^/]+)"
_ROUTES: list[tuple[str, re.Pattern[str], Any]] = [
    (method, re.compile(rx), fn) for method, rx, fn in [
        ("POST", r"/app/installations/(?P<inst>\d+)/access_tokens", _access_token),
        ("GET", _REPO + r"/pulls/(?P<n>\d+)", _get_pull),
        ("GET", _REPO + r"/pulls/(?P<n>\d+)/files", _list_files),
        ("POST", _REPO + r"/pulls/(?P<n>\d+)/reviews", _create_review),
        ("GET", _REPO + r"/contents/(?P<path>.+)", _get_contents),
        ("PUT", _REPO + r"/contents/(?P<path>.+)", _put_contents),
        ("GET", _REPO + r"/issues/(?P<n>\d+)/comments", _list_comments),
        ("POST", _REPO + r"/issues/(?P<n>\d+)/comments", _create_comment),
        ("GET", _REPO + r"/issues/comments/(?P<id>\d+)", _one_comment),
        ("PATCH", _REPO + r"/issues/comments/(?P<id>\d+)", _one_comment),
        ("DELETE", _REPO + r"/issues/comments/(?P<id>\d+)", _one_comment),
        ("POST", _REPO + r"/check-runs", _create_check),
        ("PATCH", _REPO + r"/check-runs/(?P<id>\d+)", _update_check),
        ("GET", _REPO + r"/collaborators/(?P<user>[^/]+)/permission", _permission),
        ("GET", _REPO + r"/git/trees/(?P<sha>[^/]+)", _tree),
        ("GET", r"/orgs/(?P<org>[^/]+)/installation", _org_installation),
        ("GET", r"/installation/repositories", _installation_repos),
    ]
]

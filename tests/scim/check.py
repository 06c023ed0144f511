#!/usr/bin/env python3
"""Drives desk-server's SCIM service (/scim/v2) the way Microsoft Entra ID and Okta provision,
with scim2-client (a SCIM client written by others) and its scim2-models resource classes.

    DESK_SCIM_TOKEN=desk_scim_… "$DESK_SCIM_PYTHON" tests/scim/check.py \\
        --base http://127.0.0.1:PORT/scim/v2 [--sequence entra|okta|errors|all]

The provisioning token is read from DESK_SCIM_TOKEN only, never from the command line. The
client first reads the service's /ServiceProviderConfig, /ResourceTypes and /Schemas
(`discover()`); every resource the service answers is then validated against the models built
from what it published, so an attribute it returns without publishing it fails the step.

One line per step (`ok   …` or `FAIL …: why`), then one JSON line for the Rust test:
    {"passed": N, "failed": ["step", …], "users": {"name": "id", …}, "groups": {…}}
Exit status 0 when every step passed, 1 when one failed, 2 when it could not start.

The request bodies are the vendors' published samples in samples/ (README.md there says which
document each follows); the driver only puts fresh names and the ids of this run into them.
"""

import argparse
import json
import os
import sys
import uuid
from pathlib import Path

try:
    import httpx2
    from scim2_client.engines.httpx2 import SyncSCIMClient
    from scim2_models import Context
    from scim2_models import Error
    from scim2_models import ListResponse
    from scim2_models import PatchOp
    from scim2_models import PatchOperation
    from scim2_models import ResponseParameters
    from scim2_models import SCIMException
    from scim2_models import SearchRequest
except ImportError as exc:  # --help works without them; a run does not
    MISSING = exc
else:
    MISSING = None

SAMPLES = Path(__file__).resolve().parent / "samples"
SEQUENCES = ("entra", "okta", "errors")

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
SCIM_JSON = "application/scim+json"


class Failed(Exception):
    """A check of a step that did not hold."""


def check(condition, message):
    if not condition:
        raise Failed(message)


def one_line(text, limit=400):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(exc):
    if isinstance(exc, Failed):
        return str(exc)
    if isinstance(exc, SCIMException):
        what = f"the service refused: {type(exc).__name__} (scimType {exc.scim_type or 'none'}): {exc.detail}"
    else:
        what = f"{type(exc).__name__}: {exc}"
    notes = getattr(exc, "__notes__", [])
    return what + ("; " + "; ".join(notes) if notes else "")


def sample(name):
    with open(SAMPLES / name, encoding="utf-8") as f:
        return json.load(f)


def fresh(prefix=""):
    return f"{prefix}{uuid.uuid4()}"


class Check:
    """The client, the steps' outcomes and what the steps made."""

    def __init__(self, base, token, timeout):
        self.base = base.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.passed = 0
        self.failed = []
        self.users = {}
        self.groups = {}
        self.last = None
        # The media type of request bodies: Entra ID sends application/scim+json (its tutorial's
        # examples say so); the other sequences keep what scim2-client sends, application/json.
        self.content_type = "application/json"
        self.http = self.http_client({"Authorization": f"Bearer {token}"})
        self.scim = SyncSCIMClient(self.http)
        self.User = None
        self.Group = None

    def http_client(self, headers):
        return httpx2.Client(
            base_url=self.base,
            headers={"Accept": SCIM_JSON, **headers},
            timeout=self.timeout,
            trust_env=False,
            event_hooks={"request": [self.on_request], "response": [self.on_response]},
        )

    def on_request(self, request):
        if request.content:
            request.headers["Content-Type"] = self.content_type

    def on_response(self, response):
        # scim2-client's methods return the resource, not the response: its status and headers
        # (201 and Location, 204, the content type of an error) are read from here.
        self.last = response

    def close(self):
        self.http.close()

    # -- steps -----------------------------------------------------------------------------

    def step(self, name, action):
        self.last = None
        try:
            note = action()
        except Exception as exc:  # every failure is the step's, reported, and the run goes on
            self.failed.append(name)
            print(f"FAIL {name}: {one_line(describe(exc), 600)}{self.last_answer()}", flush=True)
            return False
        self.passed += 1
        print(f"ok   {name}" + (f" ({note})" if note else ""), flush=True)
        return True

    def last_answer(self):
        if self.last is None:
            return ""
        try:
            self.last.read()
            body = self.last.text
        except Exception:  # a response whose body cannot be read still has a status
            body = ""
        kind = self.last.headers.get("content-type", "no content type")
        return f" [last answer: {self.last.status_code} {kind} {one_line(body, 300)}]"

    def user(self, key):
        check(key in self.users, f"needs the user `{key}`, which an earlier step did not make")
        return self.users[key]

    def group(self, key):
        check(key in self.groups, f"needs the group `{key}`, which an earlier step did not make")
        return self.groups[key]

    def summary(self):
        return {
            "passed": self.passed,
            "failed": self.failed,
            "users": self.users,
            "groups": self.groups,
        }

    # -- the client's calls, and what they answered ----------------------------------------

    def status(self, *expected):
        check(self.last is not None, "no answer was read")
        check(
            self.last.status_code in expected,
            f"answered {self.last.status_code}, not {' or '.join(map(str, expected))}",
        )

    def validated(self, response, model, ctx, expected):
        """`response` as scim2-client reads it: content type, status and the model built from
        the service's /Schemas, strictly (an attribute it did not publish is refused)."""
        return self.scim.check_response(
            payload=response.json() if response.content else None,
            status_code=response.status_code,
            headers=response.headers,
            expected_status_codes=expected,
            expected_types=[model],
            scim_ctx=ctx,
        )

    def endpoint(self, model):
        return self.scim.resource_endpoint(model)

    def create_as_sent(self, model, body):
        # A vendor's body carries what the published core schema lacks (Entra's `roles: []` and
        # extension URN, Okta's `locale`, `groups`, `password`): scim2-client would refuse to
        # build it from its models, so it goes as it is (`check_request_payload=False`), through
        # the same client, and the answer is read with the models afterwards.
        self.scim.create(body, check_request_payload=False, url=self.endpoint(model))
        response = self.last
        self.status(201)
        made = self.validated(response, model, Context.RESOURCE_CREATION_RESPONSE, [201])
        location = response.headers.get("location")
        check(location, "a 201 without a Location header")
        check(
            made.meta and made.meta.location == location,
            f"Location {location} is not meta.location {made.meta and made.meta.location}",
        )
        check(
            location.endswith(f"{self.endpoint(model)}/{made.id}"),
            f"Location {location} does not end with the new id",
        )
        return made

    def replace_as_sent(self, model, rid, body):
        self.scim.replace(body, check_request_payload=False, url=f"{self.endpoint(model)}/{rid}")
        response = self.last
        self.status(200)
        return self.validated(response, model, Context.RESOURCE_REPLACEMENT_RESPONSE, [200])

    def patch_user(self, uid, body):
        """PATCH /Users/{id}, whose answer is the user (200). A dict goes as it is: scim2-client
        sends a PatchOp given as a dict without building it, which is how the vendors' own
        spellings (`"Replace"`, `"False"`, a remove with a value) reach the service unchanged."""
        patched = self.scim.modify(self.User, uid, body)
        self.status(200)
        check(
            patched is not None and patched.id == uid, "the answer to a PATCH of a user is the user"
        )
        return patched

    def patch_group(self, gid, body):
        """PATCH /Groups/{id}: 204, no body (what Entra ID asks for)."""
        answer = self.scim.modify(self.Group, gid, body)
        self.status(204)
        check(answer is None, "a 204 with a body")

    def get(self, model, rid, **parameters):
        found = self.scim.query(
            model, rid, ResponseParameters(**parameters) if parameters else None
        )
        self.status(200)
        check(found.id == rid, f"asked for {rid}, got {found.id}")
        return found

    def search(self, model, **parameters):
        listed = self.scim.query(model, query_parameters=SearchRequest(**parameters))
        self.status(200)
        resources = listed.resources or []
        check(listed.total_results is not None, "no totalResults")
        check(
            listed.items_per_page == len(resources),
            f"itemsPerPage {listed.items_per_page} for {len(resources)} resources",
        )
        return listed, resources

    def by_user_name(self, name, **paging):
        return self.search(self.User, filter=f'userName eq "{name}"', **paging)

    def raw(self, method, path, body=None, content=None):
        """A request scim2-client cannot build (malformed JSON, a method a discovery endpoint
        refuses), sent with its `request`, through the same client and token."""
        if body is not None:
            content = json.dumps(body)
        headers = {"Content-Type": self.content_type} if content is not None else {}
        return self.scim.request(method, path, content=content, headers=headers)

    def read_back(self, model, rid):
        """The resource as the service holds it, as JSON, to compare before and after."""
        response = self.raw("GET", f"{self.endpoint(model)}/{rid}")
        check(response.status_code == 200, f"reading {rid} back answered {response.status_code}")
        return response.json()

    def refused(self, response, status, scim_type=None):
        """`response` is a SCIM error (RFC 7644 §3.12): `status`, the Error schema, the status
        as a string, application/scim+json; and `scim_type` when one is named."""
        check(response.status_code == status, f"answered {response.status_code}, not {status}")
        kind = response.headers.get("content-type", "")
        check(
            kind.split(";")[0].strip() == SCIM_JSON,
            f"an error as {kind or 'no content type'}, not {SCIM_JSON}",
        )
        body = response.json()
        check(
            body.get("schemas") == [ERROR_SCHEMA],
            f"an error whose schemas are {body.get('schemas')}",
        )
        check(
            body.get("status") == str(status),
            f"an error whose status is {body.get('status')!r}, not \"{status}\"",
        )
        error = self.scim.check_response(
            payload=body,
            status_code=response.status_code,
            headers=response.headers,
            raise_scim_errors=False,
        )
        check(isinstance(error, Error), "scim2-client did not read it as an Error")
        if scim_type is not None:
            check(error.scim_type == scim_type, f"scimType {error.scim_type}, not {scim_type}")
        return f"{status} {error.scim_type or 'no scimType'}"

    def attempt(self, model, rid, method, path, body=None, content=None):
        """Reads `rid` back, then sends the request that must be refused: (before, answer)."""
        before = self.read_back(model, rid)
        return before, self.raw(method, path, body=body, content=content)

    def refused_unchanged(self, model, rid, before, response, status, scim_type=None):
        """`response` is the refusal `refused` checks, and `rid` reads back as `before`."""
        note = self.refused(response, status, scim_type)
        after = self.read_back(model, rid)
        check(after == before, f"{rid} changed although the request was refused: {after}")
        return note + ", unchanged"

    # -- discovery -------------------------------------------------------------------------

    def discovery(self):
        def discover():
            self.scim.discover()
            self.User = self.scim.get_resource_model("User")
            self.Group = self.scim.get_resource_model("Group")
            check(
                self.User is not None and self.Group is not None,
                "no User or no Group resource type",
            )
            return "models built from /Schemas"

        if not self.step(
            "discovery: scim2-client reads /ResourceTypes, /Schemas and /ServiceProviderConfig",
            discover,
        ):
            return False

        def config():
            spc = self.scim.provider.config
            check(spc.patch and spc.patch.supported is True, "patch is not supported")
            check(spc.filter and spc.filter.supported is True, "filter is not supported")
            check(
                spc.filter.max_results == 200,
                f"filter.maxResults is {spc.filter.max_results}, not 200",
            )
            for name in ("bulk", "sort", "etag", "change_password"):
                part = getattr(spc, name)
                check(
                    part is not None and part.supported is False, f"{name} is not said unsupported"
                )
            schemes = [s.type for s in spc.authentication_schemes or []]
            check("oauthbearertoken" in schemes, f"authentication schemes {schemes}")

        self.step(
            "discovery: ServiceProviderConfig offers patch and filter (200 at most), no bulk, sort, etag or password change, a bearer token",
            config,
        )

        def types_and_schemas():
            kinds = {t.name: t for t in self.scim.provider.resource_types}
            check(set(kinds) == {"User", "Group"}, f"resource types {sorted(kinds)}")
            check(
                self.endpoint(self.User) == "/Users" and self.endpoint(self.Group) == "/Groups",
                "endpoints are not /Users and /Groups",
            )
            check(
                str(kinds["User"].schema_) == USER_SCHEMA
                and str(kinds["Group"].schema_) == GROUP_SCHEMA,
                "core schemas",
            )
            check(
                not kinds["User"].schema_extensions,
                "User declares a schema extension, which nothing here stores",
            )
            published = {str(m.__schema__) for m in self.scim.provider.models}
            check(
                published == {USER_SCHEMA, GROUP_SCHEMA}, f"/Schemas publishes {sorted(published)}"
            )
            fields = set(self.User.model_fields)
            for name in ("user_name", "display_name", "name", "emails", "active", "groups"):
                check(name in fields, f"the published User has no {name}")

        self.step(
            "discovery: ResourceTypes User at /Users and Group at /Groups; Schemas the two core schemas, no enterprise extension",
            types_and_schemas,
        )
        return True

    # -- Microsoft Entra ID ------------------------------------------------------------------

    def entra(self):
        self.content_type = SCIM_JSON
        name = fresh("Test_User_")
        second = fresh("Test_User_")

        def query_none():
            listed, resources = self.by_user_name(name)
            check(
                listed.total_results == 0 and not resources,
                f"{listed.total_results} users named {name}",
            )

        self.step(
            'entra: GET /Users?filter=userName eq "…" finds nobody yet (Get User by query - Zero results)',
            query_none,
        )

        def create():
            body = sample("entra/create-user.json")
            body["externalId"] = str(uuid.uuid4())
            body["userName"] = name
            body["emails"][0]["value"] = fresh("Test_User_") + "@testuser.com"
            made = self.create_as_sent(self.User, body)
            self.users["entra"] = made.id
            check(
                made.user_name == name and made.external_id == body["externalId"],
                "userName or externalId not kept",
            )
            check(made.active is True, "not active")
            check(
                [(e.value, e.type, e.primary) for e in made.emails or []]
                == [(body["emails"][0]["value"], "work", True)],
                "emails not kept",
            )
            check(
                made.name
                and (made.name.formatted, made.name.family_name, made.name.given_name)
                == ("givenName familyName", "familyName", "givenName"),
                "name not kept",
            )
            check(
                made.meta.resource_type == "User" and made.meta.created and made.meta.last_modified,
                "meta lacks resourceType, created or lastModified",
            )
            return made.id

        self.step(
            "entra: POST /Users with Entra's body (enterprise URN in schemas, meta, roles: []) answers 201, Location and the user",
            create,
        )

        def create_second():
            body = sample("entra/create-user-with-extension.composed.json")
            body["externalId"] = str(uuid.uuid4())
            body["userName"] = second
            body["emails"][0]["value"] = fresh("Test_User_") + "@testuser.com"
            made = self.create_as_sent(self.User, body)
            self.users["entra_second"] = made.id
            check(made.display_name == body["displayName"], "displayName not kept")

        self.step(
            "entra: POST /Users with displayName and the enterprise extension object (accepted, the extension ignored)",
            create_second,
        )

        def query_found():
            uid = self.user("entra")
            listed, resources = self.by_user_name(name)
            check(
                listed.total_results == 1 and [r.id for r in resources] == [uid],
                f"found {[r.id for r in resources]}",
            )
            check(listed.start_index == 1, f"startIndex {listed.start_index}")

        self.step(
            'entra: GET /Users?filter=userName eq "…" finds the new user (Get User by query)',
            query_found,
        )

        def get_user():
            uid = self.user("entra")
            found = self.get(self.User, uid)
            check(found.user_name == name, "userName")
            check(
                found.meta.location.endswith(f"/Users/{uid}"),
                f"meta.location {found.meta.location}",
            )

        self.step("entra: GET /Users/{id} (Get User)", get_user)

        def only_some():
            # Not Entra's: RFC 7644 §3.9 `attributes`, which Entra does not send, on its user.
            uid = self.user("entra")
            found = self.get(self.User, uid, attributes=["userName", "emails"])
            check(found.user_name == name and found.emails, "userName or emails left out")
            left = {k for k in ("display_name", "name", "active", "meta") if getattr(found, k)}
            check(not left, f"attributes=userName,emails also answered {sorted(left)}")

        self.step(
            "entra: GET /Users/{id}?attributes=userName,emails answers those and id only", only_some
        )

        def multi_valued():
            uid = self.user("entra")
            body = sample("entra/update-user-multi-valued.json")
            work = fresh() + "@microsoft.com"
            body["Operations"][0]["value"] = work
            patched = self.patch_user(uid, body)
            check(
                [e.value for e in patched.emails if e.type == "work"] == [work],
                "the work email was not replaced",
            )
            check(
                patched.name.family_name == "updatedFamilyName"
                and patched.name.given_name == "givenName",
                "name.familyName not replaced, or givenName lost",
            )

        self.step(
            'entra: PATCH Replace emails[type eq "work"].value and name.familyName (Update User [Multi-valued properties])',
            multi_valued,
        )

        def single_valued():
            uid = self.user("entra")
            body = sample("entra/update-user-single-valued.json")
            renamed = fresh() + "@testuser.com"
            body["Operations"][0]["value"] = renamed
            patched = self.patch_user(uid, body)
            check(patched.user_name == renamed, "userName not replaced")
            listed, resources = self.by_user_name(renamed)
            check([r.id for r in resources] == [uid], "the new userName does not find the user")

        self.step(
            "entra: PATCH Replace userName (Update User [Single-valued properties])", single_valued
        )

        def replace_default():
            uid = self.user("entra")
            body = sample("entra/replace-attributes-default.json")
            patched = self.patch_user(uid, body)
            check(patched.display_name == "Pvlo", "displayName")
            check(
                [e.value for e in patched.emails if e.type == "work"]
                == ["TestBcwqnm@test.microsoft.com"],
                "work email",
            )
            check((patched.name.given_name, patched.name.family_name) == ("Gtfd", "Pkqf"), "name")
            check(patched.external_id == "Eqpj", "externalId")

        self.step(
            "entra: PATCH several Replace operations with paths, one on the enterprise extension (Entra's default, without aadOptscim062020)",
            replace_default,
        )

        def replace_flagged():
            uid = self.user("entra")
            body = sample("entra/replace-attributes-aadoptscim062020.json")
            patched = self.patch_user(uid, body)
            check(patched.display_name == "Bjfe", "displayName")
            check(
                [e.value for e in patched.emails if e.type == "work"]
                == ["TestMhvaes@test.microsoft.com"],
                "work email",
            )
            check((patched.name.given_name, patched.name.family_name) == ("Kkom", "Unua"), "name")

        self.step(
            "entra: PATCH replace without a path, a value object of dotted keys and an extension attribute (Entra with aadOptscim062020)",
            replace_flagged,
        )

        def active_is(uid, expected):
            check(
                self.get(self.User, uid).active is expected, f"read back, active is not {expected}"
            )

        def disable():
            uid = self.user("entra")
            patched = self.patch_user(uid, sample("entra/disable-user.json"))
            check(patched.active is False, "active is not false")
            active_is(uid, False)

        self.step("entra: PATCH Replace active false (Disable User)", disable)

        def enable_string():
            uid = self.user("entra")
            body = sample("entra/disable-user-default.json")
            body["Operations"][0]["value"] = "True"
            patched = self.patch_user(uid, body)
            check(patched.active is True, "active is not true")
            active_is(uid, True)

        self.step(
            'entra: PATCH Replace active "True", a boolean as a string (Entra\'s default)',
            enable_string,
        )

        def disable_string():
            uid = self.user("entra")
            patched = self.patch_user(uid, sample("entra/disable-user-default.json"))
            check(patched.active is False, "active is not false")
            active_is(uid, False)

        self.step(
            'entra: PATCH {"op":"Replace","path":"active","value":"False"} leaves the user inactive (Entra\'s default)',
            disable_string,
        )

        def typed():
            uid = self.user("entra")
            # scim2-models builds Entra's compliant body (aadOptscim062020) itself, so this one
            # goes through the library's PatchOp, checked against the published sample first.
            op = PatchOp[self.User](
                operations=[PatchOperation[self.User](op="replace", path="active", value=False)]
            )
            built = op.model_dump(scim_ctx=Context.RESOURCE_PATCH_REQUEST)
            check(
                built == sample("entra/disable-user-aadoptscim062020.json"),
                f"scim2-models built {built}",
            )
            self.patch_user(uid, op)
            active_is(uid, False)
            enable = PatchOp[self.User](
                operations=[PatchOperation[self.User](op="replace", path="active", value=True)]
            )
            check(self.patch_user(uid, enable).active is True, "active is not true")

        self.step(
            "entra: PATCH replace active false then true, built by scim2-models as Entra sends it with aadOptscim062020",
            typed,
        )

        group_name = fresh("displayName-")

        def create_group():
            body = sample("entra/create-group.json")
            body["externalId"] = str(uuid.uuid4())
            body["displayName"] = group_name
            made = self.create_as_sent(self.Group, body)
            self.groups["entra"] = made.id
            check(
                made.display_name == group_name and made.external_id == body["externalId"],
                "displayName or externalId not kept",
            )
            check(not made.members, "a new group with members")

        self.step(
            "entra: POST /Groups with Entra's body (the ADSCIM Group URN in schemas, meta) answers 201 (Create Group)",
            create_group,
        )

        def members(gid):
            return [m.value for m in self.get(self.Group, gid).members or []]

        def add(key):
            body = sample("entra/update-group-add-members.json")
            body["Operations"][0]["value"][0]["value"] = self.user(key)
            self.patch_group(self.group("entra"), body)

        def add_members():
            gid = self.group("entra")
            add("entra")
            add("entra_second")
            got = members(gid)
            check(
                sorted(got) == sorted([self.user("entra"), self.user("entra_second")]),
                f"members {got}",
            )
            groups = self.get(self.User, self.user("entra")).groups or []
            check(
                [g.value for g in groups] == [gid],
                f"the member's groups are {[g.value for g in groups]}",
            )
            check(
                groups[0].display == group_name, f"the member's group is named {groups[0].display}"
            )

        self.step(
            "entra: PATCH Add members, one user at a time, answers 204; the user's groups name the group (Update Group [Add Members])",
            add_members,
        )

        def remove_listed():
            gid = self.group("entra")
            body = sample("entra/update-group-remove-members.json")
            body["Operations"][0]["value"][0]["value"] = self.user("entra")
            self.patch_group(gid, body)
            got = members(gid)
            check(
                got == [self.user("entra_second")],
                f"members {got}: not only the one listed was removed",
            )
            check(
                not self.get(self.User, self.user("entra")).groups,
                "the removed user still names the group",
            )

        self.step(
            "entra: PATCH Remove path members with value [{$ref: null, value}] removes that member only (Update Group [Remove Members])",
            remove_listed,
        )

        def remove_default():
            gid = self.group("entra")
            add("entra")
            body = sample("entra/remove-member-default.json")
            body["Operations"][0]["value"][0]["value"] = self.user("entra_second")
            self.patch_group(gid, body)
            got = members(gid)
            check(
                got == [self.user("entra")], f"members {got}: not only the one listed was removed"
            )

        self.step(
            'entra: PATCH {"op":"Remove","path":"members","value":[{"value":ID}]} with two members removes that one only (Entra\'s default)',
            remove_default,
        )

        def remove_filtered():
            gid = self.group("entra")
            add("entra_second")
            body = sample("entra/remove-member-aadoptscim062020.json")
            body["Operations"][0]["path"] = f'members[value eq "{self.user("entra_second")}"]'
            self.patch_group(gid, body)
            got = members(gid)
            check(got == [self.user("entra")], f"members {got}")

        self.step(
            'entra: PATCH remove members[value eq "…"] (Entra with aadOptscim062020)',
            remove_filtered,
        )

        renamed_group = fresh() + "updatedDisplayName"

        def rename_group():
            gid = self.group("entra")
            body = sample("entra/update-group-non-member.json")
            body["Operations"][0]["value"] = renamed_group
            self.patch_group(gid, body)
            found = self.get(self.Group, gid)
            check(found.display_name == renamed_group, f"displayName {found.display_name}")
            check([m.value for m in found.members or []] == [self.user("entra")], "members changed")

        self.step(
            "entra: PATCH Replace displayName answers 204 and keeps the members (Update Group [Non-member attributes])",
            rename_group,
        )

        def group_without_members():
            gid = self.group("entra")
            found = self.get(self.Group, gid, excluded_attributes=["members"])
            check(
                found.display_name == renamed_group and found.members is None,
                "members not left out",
            )
            listed, resources = self.search(
                self.Group,
                filter=f'displayName eq "{renamed_group}"',
                excluded_attributes=["members"],
            )
            check(
                listed.total_results == 1 and [g.id for g in resources] == [gid],
                f"found {[g.id for g in resources]}",
            )
            check(resources[0].members is None, "members not left out of the list")

        self.step(
            'entra: GET /Groups/{id} and /Groups?filter=displayName eq "…", both with excludedAttributes=members (Get Group, Get Group by displayName)',
            group_without_members,
        )

        def delete_user():
            uid = self.user("entra")
            check(self.scim.delete(self.User, uid) is None, "a DELETE answered a body")
            self.status(204)
            gone = self.scim.query(self.User, uid, raise_scim_errors=False)
            check(
                isinstance(gone, Error) and self.last.status_code == 404,
                "the deleted user is still read",
            )
            if "entra" in self.groups:  # its own steps say when there is none
                check(
                    uid not in members(self.groups["entra"]),
                    "the group still lists the deleted user",
                )

        self.step(
            "entra: DELETE /Users/{id} answers 204; the user is gone, from the group too (Delete User)",
            delete_user,
        )

        def delete_again():
            uid = self.user("entra")
            answer = self.scim.delete(self.User, uid, raise_scim_errors=False)
            check(isinstance(answer, Error), "a second DELETE was not refused")
            return self.refused(self.last, 404)

        self.step("entra: DELETE /Users/{id} again answers 404, a SCIM error", delete_again)

        def delete_group():
            gid = self.group("entra")
            check(self.scim.delete(self.Group, gid) is None, "a DELETE answered a body")
            self.status(204)
            answer = self.scim.query(self.Group, gid, raise_scim_errors=False)
            check(
                isinstance(answer, Error) and self.last.status_code == 404,
                "the deleted group is still read",
            )
            check(
                not self.get(self.User, self.user("entra_second")).groups,
                "a user still names the deleted group",
            )

        self.step("entra: DELETE /Groups/{id} answers 204 (Delete Group)", delete_group)

    # -- Okta --------------------------------------------------------------------------------

    def okta(self):
        self.content_type = "application/json"
        tag = uuid.uuid4().hex[:10]
        name = f"test.user.{tag}@okta.local"
        second = f"test.user2.{tag}@okta.local"

        def query_none():
            # Okta's request as its reference writes it, percent-encoded, with its paging.
            quoted = name.replace("@", "%40")
            response = self.raw(
                "GET",
                f"{self.endpoint(self.User)}?filter=userName%20eq%20%22{quoted}%22&startIndex=1&count=100",
            )
            listed = self.validated(
                response, ListResponse[self.User], Context.RESOURCE_QUERY_RESPONSE, [200]
            )
            check(
                listed.total_results == 0 and not listed.resources,
                f"{listed.total_results} users named {name}",
            )
            check(
                listed.start_index == 1 and listed.items_per_page == 0,
                f"startIndex {listed.start_index}, itemsPerPage {listed.items_per_page}",
            )

        self.step(
            'okta: GET /Users?filter=userName%20eq%20"…"&startIndex=1&count=100 finds nobody yet (Determine if the User already exists)',
            query_none,
        )

        def create(key, user_name, external):
            body = sample("okta/create-user.json")
            body["userName"] = user_name
            body["emails"][0]["value"] = user_name
            body["externalId"] = external
            made = self.create_as_sent(self.User, body)
            self.users[key] = made.id
            check(
                made.user_name == user_name
                and made.external_id == external
                and made.display_name == "Test User",
                "userName, externalId or displayName not kept",
            )
            check(
                made.active is True
                and (made.name.given_name, made.name.family_name) == ("Test", "User"),
                "active or name not kept",
            )
            check(not made.groups, "a new user in groups")
            return made

        def create_first():
            create("okta", name, "00u" + tag)

        self.step(
            "okta: POST /Users with Okta's body (locale, groups: [], the placeholder password) answers 201 and the user (Create the User)",
            create_first,
        )

        def create_second():
            create("okta_second", second, "00v" + tag)

        self.step("okta: POST /Users, a second user", create_second)

        def query_found():
            uid = self.user("okta")
            listed, resources = self.by_user_name(name, start_index=1, count=100)
            check(
                [r.id for r in resources] == [uid] and listed.total_results == 1,
                f"found {[r.id for r in resources]}",
            )

        self.step(
            'okta: GET /Users?filter=userName eq "…"&startIndex=1&count=100 finds the user',
            query_found,
        )

        def put(active):
            uid = self.user("okta")
            self.get(self.User, uid)  # Okta reads the user before it sends the whole of it back
            body = sample("okta/update-user-put.json")
            body["id"] = uid
            body["userName"] = name
            body["emails"][0]["value"] = name
            body["emails"][0]["display"] = name
            body["active"] = active
            replaced = self.replace_as_sent(self.User, uid, body)
            check(replaced.id == uid and replaced.user_name == name, "id or userName changed")
            check(
                (replaced.name.given_name, replaced.name.family_name) == ("Another", "User"),
                "name not replaced",
            )
            check(replaced.active is active, f"active is not {active}")
            check(self.get(self.User, uid).active is active, f"read back, active is not {active}")

        self.step(
            "okta: PUT /Users/{id} with Okta's body (id, name.middleName, emails[].display, groups: [], meta) answers 200 and the user (Update the User)",
            lambda: put(True),
        )
        self.step(
            "okta: PUT /Users/{id} with active false, how Okta deactivates for apps made with its App Integration Wizard",
            lambda: put(False),
        )

        def patch_active(active):
            uid = self.user("okta")
            body = sample("okta/deactivate-user-patch.json")
            body["Operations"][0]["value"]["active"] = active
            patched = self.patch_user(uid, body)
            check(
                patched.active is active and patched.user_name == name,
                f"active is not {active}, or userName lost",
            )
            check(self.get(self.User, uid).active is active, f"read back, active is not {active}")

        self.step(
            'okta: PATCH {"op":"replace","value":{"active":true}} reactivates (the deactivation body with true)',
            lambda: patch_active(True),
        )
        self.step(
            'okta: PATCH {"op":"replace","value":{"active":false}} answers 200 and the inactive user (Deactivating a user)',
            lambda: patch_active(False),
        )

        group_name = f"Test SCIMv2 {tag}"

        def create_group():
            body = sample("okta/create-group.json")
            body["displayName"] = group_name
            made = self.create_as_sent(self.Group, body)
            self.groups["okta"] = made.id
            check(
                made.display_name == group_name and not made.members,
                "displayName not kept, or members",
            )

        self.step(
            "okta: POST /Groups with Okta's body (members: []) answers 201 and the group (Create Groups)",
            create_group,
        )

        def group_query():
            gid = self.group("okta")
            listed, resources = self.search(
                self.Group, filter=f'displayName eq "{group_name}"', start_index=1, count=100
            )
            check(
                [g.id for g in resources] == [gid] and listed.total_results == 1,
                f"found {[g.id for g in resources]}",
            )

        self.step(
            'okta: GET /Groups?filter=displayName eq "…"&startIndex=1&count=100 finds the group',
            group_query,
        )

        def members(gid):
            return sorted(m.value for m in self.get(self.Group, gid).members or [])

        def membership(remove_key, add_key):
            body = sample("okta/update-group-membership-patch.json")
            body["Operations"][0]["path"] = f'members[value eq "{self.user(remove_key)}"]'
            body["Operations"][1]["value"][0]["value"] = self.user(add_key)
            body["Operations"][1]["value"][0]["display"] = name if add_key == "okta" else second
            self.patch_group(self.group("okta"), body)

        def membership_first():
            membership("okta_second", "okta")
            check(members(self.group("okta")) == [self.user("okta")], "members")

        self.step(
            'okta: PATCH remove members[value eq "…"] of a non-member and add a member (Update specific Group membership)',
            membership_first,
        )

        def add_second():
            body = sample("okta/update-group-membership-patch.json")
            body["Operations"] = body["Operations"][1:]
            body["Operations"][0]["value"][0]["value"] = self.user("okta_second")
            body["Operations"][0]["value"][0]["display"] = second
            self.patch_group(self.group("okta"), body)
            check(
                members(self.group("okta"))
                == sorted([self.user("okta"), self.user("okta_second")]),
                "members",
            )

        self.step("okta: PATCH add a second member", add_second)

        def membership_again():
            membership("okta_second", "okta")
            check(
                members(self.group("okta")) == [self.user("okta")],
                "not only the filtered member was removed, or the added one is there twice",
            )
            check(
                not self.get(self.User, self.user("okta_second")).groups,
                "the removed user still names the group",
            )

        self.step(
            'okta: PATCH remove members[value eq "…"] removes that member only; adding a member again changes nothing',
            membership_again,
        )

        def full_push():
            body = sample("okta/replace-group-members-patch.json")
            body["Operations"][0]["value"][0]["value"] = self.user("okta")
            body["Operations"][0]["value"][1]["value"] = self.user("okta_second")
            self.patch_group(self.group("okta"), body)
            check(
                members(self.group("okta"))
                == sorted([self.user("okta"), self.user("okta_second")]),
                "members",
            )

        self.step(
            "okta: PATCH replace path members with the whole list (a full push of the membership)",
            full_push,
        )

        renamed = f"Test SCIMv2 renamed {tag}"

        def rename():
            gid = self.group("okta")
            body = sample("okta/update-group-name-patch.json")
            body["Operations"][0]["value"]["id"] = gid
            body["Operations"][0]["value"]["displayName"] = renamed
            self.patch_group(gid, body)
            found = self.get(self.Group, gid)
            check(
                found.display_name == renamed and found.id == gid,
                f"displayName {found.display_name}",
            )
            check(len(found.members or []) == 2, "the members changed")

        self.step(
            'okta: PATCH {"op":"replace","value":{"id":…,"displayName":…}} renames the group (Update a specific Group name)',
            rename,
        )

        def put_group():
            gid = self.group("okta")
            body = sample("okta/update-group-membership-put.json")
            body["displayName"] = renamed
            body["members"][0]["value"] = self.user("okta")
            body["members"][0]["display"] = name
            replaced = self.replace_as_sent(self.Group, gid, body)
            check(replaced.display_name == renamed, "displayName")
            check(
                [m.value for m in replaced.members or []] == [self.user("okta")],
                "members not replaced",
            )

        self.step(
            "okta: PUT /Groups/{id} with the members, how apps made with the App Integration Wizard update a group",
            put_group,
        )

        def more_groups():
            for n in range(2):
                body = sample("okta/create-group.json")
                body["displayName"] = f"Test SCIMv2 page {n} {tag}"
                self.groups[f"okta_page_{n}"] = self.create_as_sent(self.Group, body).id

        self.step("okta: POST /Groups, two more groups to page through", more_groups)

        def page_through(model):
            # Okta reads every resource 100 at a time (startIndex, startIndex+100, …).
            everything = []
            start = 1
            while True:
                listed, resources = self.search(model, start_index=start, count=100)
                check(listed.start_index == start, f"startIndex {listed.start_index}, not {start}")
                everything += [r.id for r in resources]
                total = listed.total_results
                if not resources or start + 100 > total:
                    break
                start += 100
            check(
                len(everything) == total and len(set(everything)) == total,
                f"{len(everything)} read for totalResults {total}",
            )
            check(total >= 2, f"only {total} to page through")
            size = max(1, total // 20)
            paged = []
            for start in range(1, total + 1, size):
                listed, resources = self.search(model, start_index=start, count=size)
                check(
                    listed.total_results == total and listed.start_index == start,
                    "totalResults or startIndex moved",
                )
                check(0 < len(resources) <= size, f"{len(resources)} on a page of {size}")
                paged += [r.id for r in resources]
            check(paged == everything, "the small pages are not the big ones, in the same order")
            listed, resources = self.search(model, start_index=total + 1, count=size)
            check(
                not resources and listed.total_results == total, "a page past the end is not empty"
            )
            listed, resources = self.search(model, count=0)
            check(
                not resources and listed.total_results == total,
                "count=0 does not answer only totalResults",
            )
            return f"{total} in pages of 100 and of {size}"

        self.step(
            "okta: GET /Groups?startIndex=…&count=… pages through every group, stably (Retrieve Groups)",
            lambda: page_through(self.Group),
        )
        self.step(
            "okta: GET /Users?startIndex=…&count=… pages through every user, stably (Retrieve Users)",
            lambda: page_through(self.User),
        )

        def delete_group():
            gid = self.group("okta")
            check(self.scim.delete(self.Group, gid) is None, "a DELETE answered a body")
            self.status(204)
            check(
                not self.get(self.User, self.user("okta")).groups,
                "a user still names the deleted group",
            )

        self.step(
            "okta: DELETE /Groups/{id} answers 204 (Delete a specific Group); Okta never deletes users",
            delete_group,
        )

    # -- refusals ------------------------------------------------------------------------------

    def errors(self):
        self.content_type = "application/json"
        tag = uuid.uuid4().hex[:10]
        name = f"refusals.{tag}@example.com"
        other = f"refusals.other.{tag}@example.com"

        def create(key, user_name):
            # The library's own request: a User built from the published schema, sent by create().
            user = self.User(
                user_name=user_name,
                display_name="Refusal Tests",
                name=self.User.Name(given_name="Refusal", family_name="Tests"),
                emails=[self.User.Emails(value=user_name, type="work", primary=True)],
                active=True,
            )
            made = self.scim.create(user)
            self.status(201)
            self.users[key] = made.id
            check(made.user_name == user_name, "userName")

        self.step(
            "errors: POST /Users with a User built by scim2-models from the published schema",
            lambda: create("errors", name),
        )
        self.step("errors: POST /Users, a second one", lambda: create("errors_other", other))

        def group():
            made = self.scim.create(
                self.Group(
                    display_name=f"Refusals {tag}",
                    members=[self.Group.Members(value=self.user("errors"))],
                )
            )
            self.status(201)
            self.groups["errors"] = made.id
            check([m.value for m in made.members or []] == [self.user("errors")], "members")

        self.step("errors: POST /Groups with a Group and a member built by scim2-models", group)

        users = self.endpoint(self.User)

        def how_many():
            listed, _ = self.search(self.User, count=0)
            return listed.total_results

        def not_created(response, status, scim_type, user_name, before):
            note = self.refused(response, status, scim_type)
            listed, _ = self.by_user_name(user_name)
            check(listed.total_results == 0, "a user was made although refused")
            check(how_many() == before, "the number of users changed")
            return note

        def malformed_post():
            before = how_many()
            response = self.raw(
                "POST", users, content='{"schemas": ["' + USER_SCHEMA + '"], "userName": "x@y"'
            )
            return not_created(response, 400, "invalidSyntax", "x@y", before)

        self.step(
            "errors: POST /Users with malformed JSON answers 400 invalidSyntax; nothing made",
            malformed_post,
        )

        def malformed_patch():
            uid = self.user("errors")
            before, response = self.attempt(
                self.User,
                uid,
                "PATCH",
                f"{users}/{uid}",
                content='{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace",',
            )
            return self.refused_unchanged(self.User, uid, before, response, 400, "invalidSyntax")

        self.step(
            "errors: PATCH /Users/{id} with malformed JSON answers 400 invalidSyntax; the user unchanged",
            malformed_patch,
        )

        def unknown_post():
            before = how_many()
            made_up = f"unknown.{tag}@example.com"
            response = self.raw(
                "POST",
                users,
                body={"schemas": [USER_SCHEMA], "userName": made_up, "favouriteColour": "teal"},
            )
            return not_created(response, 400, None, made_up, before)

        self.step(
            "errors: POST /Users with an attribute the core schema does not have answers 400; nothing made",
            unknown_post,
        )

        def unknown_put():
            uid = self.user("errors")
            before, response = self.attempt(
                self.User,
                uid,
                "PUT",
                f"{users}/{uid}",
                body={
                    "schemas": [USER_SCHEMA],
                    "userName": name,
                    "displayName": "Changed",
                    "favouriteColour": "teal",
                },
            )
            return self.refused_unchanged(self.User, uid, before, response, 400)

        self.step(
            "errors: PUT /Users/{id} with an unknown attribute answers 400; the user unchanged",
            unknown_put,
        )

        def unknown_patch():
            uid = self.user("errors")
            ops = [
                {"op": "replace", "path": "displayName", "value": "Changed"},
                {"op": "replace", "path": "favouriteColour", "value": "teal"},
            ]
            before, response = self.attempt(
                self.User,
                uid,
                "PATCH",
                f"{users}/{uid}",
                body={
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": ops,
                },
            )
            return self.refused_unchanged(self.User, uid, before, response, 400)

        self.step(
            "errors: PATCH a path the core schema does not have, after a valid operation, answers 400; nothing of it applied",
            unknown_patch,
        )

        def bad_filter(text):
            answer = self.scim.query(
                self.User,
                query_parameters={"filter": text},
                check_request_payload=False,
                raise_scim_errors=False,
            )
            check(isinstance(answer, Error), "the filter was not refused")
            return self.refused(self.last, 400, "invalidFilter")

        self.step(
            "errors: a filter longer than 1024 characters answers 400 invalidFilter",
            lambda: bad_filter(f'userName eq "{"a" * 1100}"'),
        )
        self.step(
            "errors: a filter nested 32 deep answers 400 invalidFilter",
            lambda: bad_filter("(" * 32 + f'userName eq "{name}"' + ")" * 32),
        )
        self.step(
            "errors: a filter nested 32 deep in not (…) answers 400 invalidFilter",
            lambda: bad_filter("not (" * 32 + "active pr" + ")" * 32),
        )
        self.step(
            "errors: a filter that does not parse answers 400 invalidFilter",
            lambda: bad_filter('userName eq "unterminated'),
        )

        def duplicate(user_name):
            before = how_many()
            response = self.raw(
                "POST", users, body={"schemas": [USER_SCHEMA], "userName": user_name}
            )
            note = self.refused(response, 409, "uniqueness")
            check(how_many() == before, "the number of users changed")
            return note

        self.step(
            "errors: POST /Users with a userName already taken answers 409 uniqueness",
            lambda: duplicate(name),
        )
        self.step(
            "errors: POST /Users with a userName taken in another case answers 409 uniqueness (userName is not caseExact)",
            lambda: duplicate(name.upper()),
        )

        def rename_to_taken(method):
            uid = self.user("errors_other")
            if method == "PATCH":
                body = {
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "replace", "path": "userName", "value": name}],
                }
            else:
                body = {"schemas": [USER_SCHEMA], "userName": name}
            before, response = self.attempt(self.User, uid, method, f"{users}/{uid}", body=body)
            return self.refused_unchanged(self.User, uid, before, response, 409, "uniqueness")

        self.step(
            "errors: PATCH a userName to one already taken answers 409 uniqueness; the user unchanged",
            lambda: rename_to_taken("PATCH"),
        )
        self.step(
            "errors: PUT a userName already taken answers 409 uniqueness; the user unchanged",
            lambda: rename_to_taken("PUT"),
        )

        def without_user_name(operation):
            uid = self.user("errors")
            body = {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [operation],
            }
            before, response = self.attempt(self.User, uid, "PATCH", f"{users}/{uid}", body=body)
            return self.refused_unchanged(self.User, uid, before, response, 400)

        self.step(
            'errors: PATCH {"op":"remove","path":"userName"} answers 400; the user keeps it',
            lambda: without_user_name({"op": "remove", "path": "userName"}),
        )
        self.step(
            "errors: PATCH replace userName with null answers 400; the user keeps it",
            lambda: without_user_name({"op": "replace", "path": "userName", "value": None}),
        )
        self.step(
            'errors: PATCH replace without a path, userName "" answers 400; the user keeps it',
            lambda: without_user_name({"op": "replace", "value": {"userName": ""}}),
        )

        def put_without_user_name():
            uid = self.user("errors")
            before, response = self.attempt(
                self.User,
                uid,
                "PUT",
                f"{users}/{uid}",
                body={"schemas": [USER_SCHEMA], "displayName": "No name"},
            )
            return self.refused_unchanged(self.User, uid, before, response, 400)

        self.step(
            "errors: PUT /Users/{id} without userName answers 400; the user unchanged",
            put_without_user_name,
        )

        def read_only():
            uid = self.user("errors")
            body = {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "id", "value": fresh()}],
            }
            before, response = self.attempt(self.User, uid, "PATCH", f"{users}/{uid}", body=body)
            return self.refused_unchanged(self.User, uid, before, response, 400, "mutability")

        self.step("errors: PATCH replace id answers 400 mutability; the user unchanged", read_only)

        def not_a_user():
            gid = self.group("errors")
            body = {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": fresh()}]}],
            }
            before, response = self.attempt(
                self.Group, gid, "PATCH", f"{self.endpoint(self.Group)}/{gid}", body=body
            )
            return self.refused_unchanged(self.Group, gid, before, response, 400)

        self.step(
            "errors: PATCH add a member that is no user answers 400; the group unchanged",
            not_a_user,
        )

        def not_found():
            notes = []
            for path in (
                "/NoSuchEndpoint",
                f"{users}/{fresh()}",
                f"{users}/{self.user('errors')}/more",
            ):
                notes.append(self.refused(self.raw("GET", path), 404))
            return notes[0]

        self.step(
            "errors: GET an unknown path, an unknown id, a path below a user answer 404, SCIM errors",
            not_found,
        )

        def not_allowed():
            for method, path in (
                ("POST", "/Schemas"),
                ("PUT", "/ServiceProviderConfig"),
                ("DELETE", "/ResourceTypes"),
            ):
                self.refused(
                    self.raw(
                        method,
                        path,
                        body={"schemas": [USER_SCHEMA]} if method != "DELETE" else None,
                    ),
                    405,
                )
            return "405"

        self.step(
            "errors: POST /Schemas, PUT /ServiceProviderConfig, DELETE /ResourceTypes answer 405, SCIM errors",
            not_allowed,
        )

        def unauthorized():
            for headers in (
                {},
                {"Authorization": "Bearer desk_scim_" + "0" * 43},
                {"Authorization": f"Basic {self.token}"},
            ):
                with self.http_client(headers) as http:
                    client = SyncSCIMClient(http)
                    response = client.request("GET", users)
                    self.refused(response, 401)
            return "401"

        self.step(
            "errors: no token, an unknown token, the token as Basic answer 401, SCIM errors",
            unauthorized,
        )

        def still_there():
            # Every refusal above left both users and the group as they were.
            for key in ("errors", "errors_other"):
                found = self.get(self.User, self.user(key))
                check(
                    found.user_name == (name if key == "errors" else other)
                    and found.display_name == "Refusal Tests",
                    f"{key} changed",
                )
            check(
                [m.value for m in self.get(self.Group, self.group("errors")).members or []]
                == [self.user("errors")],
                "the group changed",
            )

        self.step("errors: the users and the group read back as they were made", still_there)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Drive desk-server's SCIM service as Entra ID and Okta do, with scim2-client.",
        epilog="The provisioning token comes from the environment variable DESK_SCIM_TOKEN "
        "(desk-server scim token create --name NAME makes one). Exit status: 0 all passed, "
        "1 a step failed, 2 could not start.",
    )
    parser.add_argument(
        "--base",
        required=True,
        help="the service's base URL, such as http://127.0.0.1:PORT/scim/v2",
    )
    parser.add_argument(
        "--sequence",
        choices=(*SEQUENCES, "all"),
        default="all",
        help="which requests to send (default: all)",
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds to wait for each answer (default: 30)"
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    token = os.environ.get("DESK_SCIM_TOKEN", "")
    if not token:
        print(
            "check.py: set DESK_SCIM_TOKEN to a provisioning token (desk-server scim token create --name NAME)",
            file=sys.stderr,
        )
        return 2
    if MISSING is not None:
        print(
            f"check.py: {MISSING}; run it with the SCIM client's venv python: "
            'source scripts/lib.sh && ensure_scim_client, then "$DESK_SCIM_PYTHON" tests/scim/check.py',
            file=sys.stderr,
        )
        return 2
    run = Check(args.base, token, args.timeout)
    try:
        if run.discovery():
            for sequence in SEQUENCES if args.sequence == "all" else (args.sequence,):
                getattr(run, sequence)()
    finally:
        run.close()
    print(json.dumps(run.summary()), flush=True)
    return 0 if run.passed and not run.failed else 1


if __name__ == "__main__":
    sys.exit(main())

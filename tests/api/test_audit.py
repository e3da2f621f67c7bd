"""The audit log: who changed what and when, with the fields before and after — for admins only."""

from backend.core.permissions import Role
from tests.conftest import error_codes

LOG = """query($t: String!, $id: ID!) { auditLog(entityType: $t, entityId: $id) { action actorLabel changes
  actorUserId } }"""


async def test_customer_changes_are_audited_with_before_and_after(gql, garage):
    sm = garage.token(Role.SITE_MANAGER)
    created = await gql('mutation { createCustomer(input: {name: "Audit Me", phone: "0812345678"}) '
                        '{ customer { id } } }', token=sm)
    cid = created["data"]["createCustomer"]["customer"]["id"]
    await gql('mutation($id: ID!) { updateCustomer(input: {id: $id, consentSms: true, taxId: "0105556123453"}) '
              '{ errors { code } } }', {"id": cid}, token=sm)
    log = (await gql(LOG, {"t": "Customer", "id": cid}, token=garage.token()))["data"]["auditLog"]
    assert [e["action"] for e in log] == ["create", "update"]
    assert log[0]["changes"]["name"] == {"before": None, "after": "Audit Me"}
    assert log[1]["changes"] == {"consent_sms": {"before": False, "after": True},
                                 "tax_id": {"before": None, "after": "0105556123453"}}
    assert log[1]["actorUserId"] == str(garage.users[Role.SITE_MANAGER].id)


async def test_account_changes_are_audited_without_secrets(gql, garage):
    tech = garage.users[Role.TECHNICIAN]
    await gql('mutation($id: ID!) { updateUser(input: {id: $id, password: "another long password", '
              'streams: [BODY]}) { errors { code } } }', {"id": str(tech.id)}, token=garage.token())
    await gql('mutation($id: ID!) { deactivateUser(input: {id: $id}) { errors { code } } }', {"id": str(tech.id)},
              token=garage.token())
    log = (await gql(LOG, {"t": "User", "id": str(tech.id)}, token=garage.token()))["data"]["auditLog"]
    assert [e["action"] for e in log] == ["update", "deactivate"]
    assert log[0]["changes"]["streams"] == {"before": ["MECHANICAL"], "after": ["BODY"]}
    assert log[0]["changes"]["password"] == {"before": None, "after": "changed"}
    assert "argon2" not in str(log)


async def test_only_admins_read_the_audit_log(gql, garage):
    for role in Role:
        body = await gql(LOG, {"t": "Garage", "id": str(garage.id)}, token=garage.token(role), expect_errors=True)
        assert (error_codes(body) == ["FORBIDDEN"]) == (role is not Role.ADMIN)

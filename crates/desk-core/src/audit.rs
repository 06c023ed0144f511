//! The audit vocabulary: every action an audit entry can record ([`AuditAction`]) and how an
//! attempt ended ([`Outcome`]), named once. The server's handlers, the offline upload's
//! allow-list, the client's queued views and the window's audit filters all use them, so a
//! misspelt action does not compile.

closed_names! {
    /// What an audit entry records.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    AuditAction, "audit action" {
        SignIn = "sign_in", "The first request of an access token.";
        CustomerSearch = "customer.search", "A customer search (its detail: the key, a keyed hash and a masked form of the query).";
        CustomerView = "customer.view", "One customer opened.";
        TransactionsView = "transactions.view", "A page of a customer's transactions.";
        TicketsView = "tickets.view", "A page of a customer's tickets.";
        TicketView = "ticket.view", "One ticket with its messages.";
        TicketReply = "ticket.reply", "A reply or an internal note written.";
        EventsConnect = "events.connect", "The policy and wipe event stream opened.";
        PolicyView = "policy.view", "The agent's signed policy fetched.";
        WipesCheck = "wipes.check", "The agent's pending wipe orders read.";
        AgentList = "agent.list", "A page of the agents the server knows read by an administrator (its detail: how many).";
        WipeAcknowledge = "wipe.acknowledge", "A device reported it carried out the agent's wipes up to one (its detail: the device and the wipe id).";
        DeviceWipe = "device.wipe", "An administrator ordered an agent's devices to shred their cache.";
        ScimTokenCreate = "scim.token.create", "A provisioning (SCIM) client's bearer token made by `desk-server scim token create` (its detail: the token's name; the token itself is stored only as a hash).";
        ScimTokenRevoke = "scim.token.revoke", "A provisioning client's bearer token revoked by `desk-server scim token revoke` (its detail: the token's name).";
        ScimUserCreate = "scim.user.create", "A SCIM user made by a provisioning client (actor `scim:NAME`; its detail: the userName, whether active).";
        ScimUserUpdate = "scim.user.update", "A SCIM user replaced or patched (its detail: the userName, the attributes that changed, and `access` when it was withdrawn or given back).";
        ScimUserDelete = "scim.user.delete", "A SCIM user deleted: the agent's access is withdrawn (its detail: the userName).";
        ScimGroupCreate = "scim.group.create", "A SCIM group made (its detail: the displayName, how many members).";
        ScimGroupUpdate = "scim.group.update", "A SCIM group replaced or patched (its detail: the displayName, the members added and removed by userName).";
        ScimGroupDelete = "scim.group.delete", "A SCIM group deleted (its detail: the displayName).";
        AccessRefused = "access.refused", "A request refused because provisioning withdrew the agent's access (a deactivated or deleted SCIM user, or a token issued before that): the first refusal of each token (its detail: the userName, why).";
        EventsEnd = "events.end", "The server ended an agent's open event streams (its detail: why, how many).";
        AuditRead = "audit.read", "A page of the audit trail read.";
        AuditVerify = "audit.verify", "The audit chain in the database checked under the audit key, with the server's newest checkpoint and the one the caller's client holds (its detail: the entries checked, whether the chain and each checkpoint held).";
        AuditUpload = "audit.upload", "A batch of offline views uploaded (the summary entry).";
        AuditArchive = "audit.archive", "The trail's oldest entries archived to a file and deleted, as `audit_retention_days` says (its detail: the last entry archived, its link, how many, the file).";
        ReadLimit = "read.limit", "Reads refused for the agent's read budget: the first refusal in a minute, with the number refused since the previous such entry (its detail: which limit, the read, `Retry-After`, the budget, `refused_since`).";
        ReadBulk = "read.bulk", "An agent was shown more distinct customers within an hour than its read budget's `bulk_customers_per_hour`: an alert, at most once an hour per agent (its detail: how many, the limit, the window, whether further customers are refused).";
        RoleList = "role.list", "The role definitions read.";
        RoleUpdate = "role.update", "A role definition changed (its detail: what changed, member by member).";
        RoleHistory = "role.history", "A role definition's earlier versions read.";
        RolePropose = "role.propose", "A role change that widens what the role sees of personal or restricted data, waiting for a second administrator (its detail: what would change).";
        RoleApprove = "role.approve", "A proposed role change approved by another administrator, and applied.";
        RoleReject = "role.reject", "A proposed role change rejected or withdrawn.";
        RoleChanges = "role.changes", "The proposed role changes read.";
        LayoutList = "layout.list", "The published layouts read.";
        LayoutHistory = "layout.history", "A role's earlier layouts read.";
        LayoutPreview = "layout.preview", "The layout editor's preview of a role read: the demo customer as the role sees it (generated, so no stored record is read).";
        LayoutPublish = "layout.publish", "A role's layout published (its detail: the pages that changed).";
        OfflineCustomerSearch = "offline.customer.search", "A search of the local cache, recorded when the client next reached the server.";
        OfflineCustomerView = "offline.customer.view", "A customer read from the local cache.";
        OfflineTransactionsView = "offline.transactions.view", "Transactions read from the local cache.";
        OfflineTicketsView = "offline.tickets.view", "Tickets read from the local cache.";
        OfflineTicketView = "offline.ticket.view", "A ticket read from the local cache.";
    }
}

closed_names! {
    /// How an audited attempt ended.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    Outcome, "audit outcome" {
        Ok = "ok", "It happened.";
        Denied = "denied", "The agent's policy does not allow it.";
        NotFound = "not_found", "The record does not exist.";
    }
}

impl AuditAction {
    /// The views a client may read from its cache and report later.
    pub const OFFLINE_VIEWS: [AuditAction; 5] = [
        Self::CustomerView,
        Self::TransactionsView,
        Self::TicketsView,
        Self::TicketView,
        Self::CustomerSearch,
    ];

    /// The action a view read from the cache is recorded as, or `None` for an action that is
    /// not a view a client may report.
    pub fn offline(self) -> Option<AuditAction> {
        Some(match self {
            Self::CustomerSearch => Self::OfflineCustomerSearch,
            Self::CustomerView => Self::OfflineCustomerView,
            Self::TransactionsView => Self::OfflineTransactionsView,
            Self::TicketsView => Self::OfflineTicketsView,
            Self::TicketView => Self::OfflineTicketView,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_round_trip_and_offline_views_map_to_offline_actions() {
        let names: std::collections::BTreeSet<&str> =
            AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(names.len(), AuditAction::ALL.len());
        for &action in AuditAction::ALL {
            assert_eq!(action.as_str().parse::<AuditAction>(), Ok(action));
            let offline = action.offline();
            assert_eq!(
                offline.is_some(),
                AuditAction::OFFLINE_VIEWS.contains(&action),
                "{action}"
            );
            if let Some(offline) = offline {
                assert_eq!(offline.as_str(), format!("offline.{action}"));
                assert_eq!(offline.offline(), None);
            }
        }
        // Every `offline.` action is the offline form of a view.
        for &action in AuditAction::ALL {
            if let Some(view) = action.as_str().strip_prefix("offline.") {
                let view: AuditAction = view.parse().unwrap();
                assert_eq!(view.offline(), Some(action));
            }
        }
        assert!("customer.veiw".parse::<AuditAction>().is_err());
    }
}
